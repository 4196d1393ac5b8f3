// Shared controller of whip.html and whep.html: token and conference (for WHEP also
// the language) from the URL (?token=...&conference=...&lang=...) or the form,
// auto-start when a token is in the URL, and a test hook on window.podium_http.

import { exchange_sdp, delete_resource, server_base } from './http_media.js';
import { token_claims, token_from_url } from './token.js';

// kind: 'whip' | 'whep'. setup(pc) adds the transceivers (and may return a
// cleanup function); on_track(event) handles received tracks.
export function run_http_page({ kind, setup, on_track = () => {} }) {
  const form = document.getElementById(`${kind}-form`);
  const token_input = document.getElementById('token');
  const conference_input = document.getElementById('conference');
  const lang_input = document.getElementById('lang');  // whep.html only
  const start_button = document.getElementById('start');
  const stop_button = document.getElementById('stop');
  const status_el = document.getElementById('status');

  const state = { status: 'idle', resource: null, delete_status: null, connection: 'new', last_error: null };
  let pc = null;
  let cleanup = null;
  let token = '';

  function set_status(status, text) {
    state.status = status;
    status_el.dataset.status = status;
    status_el.textContent = text;
  }

  async function start() {
    if (pc) return;
    token = token_input.value.trim();
    const conference = conference_input.value.trim() || token_claims(token)?.conf || '';
    if (!conference) {
      set_status('error', 'Conference unknown: give a token or a conference name');
      return;
    }
    start_button.disabled = true;
    stop_button.disabled = false;
    state.last_error = null;
    set_status('connecting', `${kind.toUpperCase()}: connecting to ${conference}…`);
    pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
    pc.ontrack = on_track;
    pc.onconnectionstatechange = () => {
      state.connection = pc?.connectionState ?? 'closed';
      if (state.connection === 'connected') set_status('connected', `${kind.toUpperCase()}: connected (${conference})`);
      else if (state.connection === 'failed') set_status('error', `${kind.toUpperCase()}: media connection failed`);
    };
    try {
      cleanup = (await setup(pc)) ?? null;
      // WHEP ?lang=: a language's program (docs/interpretation.md) instead of the floor.
      const language = lang_input?.value.trim() ?? '';
      const query = kind === 'whep' && language ? `?lang=${encodeURIComponent(language)}` : '';
      const endpoint = `${server_base()}/${kind}/${encodeURIComponent(conference)}${query}`;
      const { resource } = await exchange_sdp(pc, endpoint, token);
      state.resource = resource;
      set_status('negotiated', `${kind.toUpperCase()}: session ${new URL(resource).pathname}`);
    } catch (error) {
      state.last_error = error.message;
      set_status('error', error.message);
      close_pc();
    }
  }

  function close_pc() {
    cleanup?.();
    cleanup = null;
    pc?.close();
    pc = null;
    state.connection = 'closed';
    start_button.disabled = false;
    stop_button.disabled = true;
  }

  // Returns the HTTP status of the DELETE (or null when there was no session).
  async function stop() {
    const resource = state.resource;
    state.resource = null;
    if (!resource) {
      close_pc();
      return null;
    }
    // RFC 9725 §4.2: the client ends the session with DELETE; close the connection after,
    // so the server does not see the peer leave first and forget the resource.
    try {
      state.delete_status = await delete_resource(resource, token);
      set_status('stopped', `${kind.toUpperCase()}: stopped (DELETE → ${state.delete_status})`);
    } catch (error) {
      state.last_error = error.message;
      set_status('error', `DELETE failed: ${error.message}`);
    }
    close_pc();
    return state.delete_status;
  }

  form.addEventListener('submit', (event) => { event.preventDefault(); start(); });
  stop_button.addEventListener('click', () => { stop(); });

  window.podium_http = {
    kind,
    get state() { return { ...state }; },
    get pc() { return pc; },
    start,
    stop,
  };

  const params = new URL(window.location.href).searchParams;
  conference_input.value = params.get('conference') || '';
  if (lang_input) lang_input.value = params.get('lang') || '';
  const url_token = token_from_url();
  if (url_token) {
    token_input.value = url_token;
    start();
  }
}
