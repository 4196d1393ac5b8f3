// Podium test page: joins a conference over signaling protocol v1, publishes
// camera and microphone when the role may, and shows every other participant.
//
// One RTCPeerConnection for everything (bundlePolicy max-bundle, no ICE
// servers: the server is ICE-lite and its answer carries its candidates). The
// page always offers: a sendonly transceiver per local track and a recvonly
// transceiver per remote track it subscribes to, listed by mid in the offer's
// "subscriptions".

import { SignalingChannel, signaling_url } from './signaling.js';
import { Negotiator } from './negotiator.js';
import { token_claims, token_from_url } from './token.js';

const kProtocolVersion = 1;

const els = {
  form: document.getElementById('join-form'),
  token: document.getElementById('token'),
  join: document.getElementById('join'),
  leave: document.getElementById('leave'),
  status: document.getElementById('status'),
  publish_status: document.getElementById('publish-status'),
  tiles: document.getElementById('tiles'),
  local_tile: document.getElementById('local-tile'),
  local_video: document.getElementById('local-video'),
  local_name: document.getElementById('local-name'),
};

// Everything the page knows; also what the test hook exposes.
const state = {
  status: 'idle',
  conference: null,
  me: null,             // {id, name, role}
  permissions: null,    // {publish: bool}
  publishing: false,
  published: [],        // [{id, mid, kind}] from answers
  connection: 'new',    // pc.connectionState
  ready: false,         // welcome handled; before that changes only collect
  active_speaker: null, // participant id from the last active-speaker message
  last_error: null,
  errors: [],
};

// participant id → {id, name, role, tile: {root, video, stream}}
const participants = new Map();
// remote track id → {id, participant, kind, transceiver, removed}
const tracks = new Map();

let pc = null;
let signaling = null;
let negotiator = null;
let local_stream = null;

function set_status(status, text) {
  state.status = status;
  els.status.dataset.status = status;
  els.status.textContent = text;
}

function record_error(text) {
  state.last_error = text;
  state.errors.push(text);
  console.warn('podium:', text);
}

// ---- tiles -----------------------------------------------------------------

function tile_for(participant) {
  if (participant.tile) return participant.tile;
  const root = document.createElement('section');
  root.className = 'tile remote';
  if (participant.id === state.active_speaker) root.classList.add('speaking');
  root.dataset.participant = participant.id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = participant.name || participant.id;
  root.append(video, name);
  els.tiles.append(root);
  const stream = new MediaStream();
  participant.tile = { root, video, stream };
  return participant.tile;
}

function play(video) {
  video.play().catch(() => {
    // Autoplay policy: sound needs a user gesture. Play muted and offer a button.
    if (video.muted) return;
    video.muted = true;
    video.play().catch(() => {});
    const button = document.createElement('button');
    button.className = 'unmute';
    button.textContent = 'Unmute';
    button.onclick = () => { video.muted = false; video.play().catch(() => {}); button.remove(); };
    video.parentElement?.append(button);
  });
}

function add_participant(info) {
  if (!info || !info.id || (state.me && info.id === state.me.id)) return;
  let participant = participants.get(info.id);
  if (!participant) {
    participant = { id: info.id, name: info.name, role: info.role, tile: null };
    participants.set(info.id, participant);
  }
  tile_for(participant);
}

// The server names the conference's dominant speaker; its tile (or ours) is outlined.
function set_active_speaker(id) {
  state.active_speaker = id;
  els.local_tile.classList.toggle('speaking', id === state.me?.id);
  for (const participant of participants.values()) {
    participant.tile?.root.classList.toggle('speaking', participant.id === id);
  }
}

function remove_participant(id) {
  const participant = participants.get(id);
  if (participant?.tile) participant.tile.root.remove();
  participants.delete(id);
  // The server also sends track-removed for these; marking them here keeps the
  // page right even if that message is late.
  for (const track of tracks.values()) {
    if (track.participant === id) mark_track_removed(track.id);
  }
}

// ---- tracks ----------------------------------------------------------------

function add_remote_track(info) {
  if (!info || !info.id || tracks.has(info.id)) return;
  if (state.me && info.participant === state.me.id) return;
  tracks.set(info.id, {
    id: info.id, participant: info.participant, kind: info.kind,
    transceiver: null, removed: false,
  });
  if (state.ready) negotiator?.request();
}

function mark_track_removed(id) {
  const track = tracks.get(id);
  if (!track || track.removed) return;
  track.removed = true;
  const receiver_track = track.transceiver?.receiver.track;
  const participant = participants.get(track.participant);
  if (receiver_track && participant?.tile) participant.tile.stream.removeTrack(receiver_track);
  if (state.ready) negotiator?.request();
}

// Negotiator hook: brings the transceivers in line with `tracks` before an offer.
function prepare_transceivers() {
  for (const track of [...tracks.values()]) {
    if (track.removed) {
      // Stopping makes its m-section port 0 in the next offer (RFC 8829 §4.2.1
      // stop()), which is how the protocol unsubscribes.
      if (track.transceiver && track.transceiver.currentDirection !== 'stopped') {
        track.transceiver.stop();
      }
      tracks.delete(track.id);
    } else if (!track.transceiver) {
      track.transceiver = pc.addTransceiver(track.kind, { direction: 'recvonly' });
    }
  }
}

function current_subscriptions() {
  const subscriptions = {};
  for (const track of tracks.values()) {
    const t = track.transceiver;
    if (t && t.mid !== null && !t.stopped && t.currentDirection !== 'stopped') {
      subscriptions[t.mid] = track.id;
    }
  }
  return subscriptions;
}

function on_track(event) {
  const track = [...tracks.values()].find((t) => t.transceiver === event.transceiver);
  if (!track) {
    // A sendonly transceiver of our own has no remote track worth showing.
    return;
  }
  const participant = participants.get(track.participant) ??
    (add_participant({ id: track.participant, name: track.participant }), participants.get(track.participant));
  const tile = tile_for(participant);
  for (const old of tile.stream.getTracks()) {
    if (old.kind === event.track.kind && old !== event.track) tile.stream.removeTrack(old);
  }
  tile.stream.addTrack(event.track);
  // Attached on the first track: an element holding an empty stream would
  // delay the load event of a page that is still loading.
  if (tile.video.srcObject !== tile.stream) tile.video.srcObject = tile.stream;
  play(tile.video);
}

// ---- local media -------------------------------------------------------------

async function start_publishing() {
  local_stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  els.local_video.srcObject = local_stream;
  els.local_tile.hidden = false;
  for (const media_track of local_stream.getTracks()) {
    pc.addTransceiver(media_track, { direction: 'sendonly', streams: [local_stream] });
  }
  state.publishing = true;
  show_publish_status();
}

function show_publish_status() {
  const role = state.me?.role ?? '?';
  els.publish_status.dataset.publishing = String(state.publishing);
  if (state.publishing) {
    els.publish_status.textContent = `Publishing camera and microphone (role ${role})`;
  } else if (state.permissions && !state.permissions.publish) {
    els.publish_status.textContent = `Not publishing: role ${role} may not publish (watching only)`;
  } else {
    els.publish_status.textContent = 'Not publishing';
  }
}

// ---- session -----------------------------------------------------------------

async function on_welcome(msg) {
  state.me = msg.participant;
  state.conference = msg.conference;
  state.permissions = msg.permissions ?? { publish: false };
  els.local_name.textContent = `${msg.participant?.name ?? 'You'} (you)`;
  set_status('joined', `Joined ${msg.conference} as ${msg.participant?.name} (${msg.participant?.role})`);
  for (const info of msg.participants ?? []) add_participant(info);
  for (const info of msg.tracks ?? []) add_remote_track(info);
  if (state.permissions.publish) {
    try {
      await start_publishing();
    } catch (error) {
      record_error(`camera/microphone: ${error.message}`);
    }
  }
  show_publish_status();
  // The first offer carries our own tracks and every track already published.
  state.ready = true;
  negotiator?.request();
}

function on_answer(msg) {
  for (const published of msg.published ?? []) {
    if (!state.published.some((p) => p.id === published.id)) state.published.push(published);
  }
}

function on_server_error(msg) {
  const text = `${msg.code}: ${msg.message}`;
  record_error(text);
  if (negotiator?.error_received(msg)) return;
  if (!state.me) {
    set_status('error', `Could not join: ${text}`);
    teardown();
  }
}

function on_closed(msg) {
  if (msg.by_us || state.status === 'left') return;
  set_status('disconnected', `Disconnected from the server (code ${msg.code})`);
  teardown();
}

function make_peer_connection() {
  const connection = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
  connection.ontrack = on_track;
  connection.onconnectionstatechange = () => {
    state.connection = connection.connectionState;
    if (state.status === 'joined' || state.status === 'connected' || state.status === 'media-failed') {
      if (connection.connectionState === 'connected') {
        set_status('connected', `Connected to ${state.conference} as ${state.me?.name}`);
      } else if (connection.connectionState === 'failed') {
        set_status('media-failed', 'Media connection failed');
      }
    }
  };
  return connection;
}

async function join(token) {
  if (signaling) return;
  token = token.trim();
  if (!token) {
    set_status('error', 'A token is needed to join');
    return;
  }
  const claims = token_claims(token);
  state.last_error = null;
  set_status('connecting', `Connecting${claims?.conf ? ` to ${claims.conf}` : ''}…`);
  els.join.disabled = true;
  els.leave.disabled = false;

  pc = make_peer_connection();
  negotiator = new Negotiator(pc, {
    prepare: prepare_transceivers,
    subscriptions: current_subscriptions,
    send_offer: (sdp, subscriptions) =>
      signaling.send({ type: 'offer', sdp, subscriptions }),
    on_answer,
    on_failure: (error) => record_error(`negotiation: ${error.message}`),
  });
  signaling = new SignalingChannel(signaling_url(token))
    .on('welcome', (msg) => { on_welcome(msg).catch((e) => record_error(e.message)); })
    .on('answer', (msg) => negotiator?.answer_received(msg))
    .on('participant-joined', (msg) => add_participant(msg.participant))
    .on('participant-left', (msg) => remove_participant(msg.participant))
    .on('track-published', (msg) => add_remote_track(msg.track))
    .on('track-removed', (msg) => mark_track_removed(msg.track))
    .on('active-speaker', (msg) => set_active_speaker(msg.participant))
    .on('error', on_server_error)
    .on('closed', on_closed);
  try {
    await signaling.open();
  } catch (error) {
    record_error(error.message);
    set_status('error', error.message);
    teardown();
    return;
  }
  signaling.send({ type: 'join', version: kProtocolVersion, token });
}

function teardown() {
  negotiator?.close();
  negotiator = null;
  signaling?.close();
  signaling = null;
  pc?.close();
  local_stream?.getTracks().forEach((t) => t.stop());
  local_stream = null;
  els.local_video.srcObject = null;
  els.local_tile.hidden = true;
  for (const id of [...participants.keys()]) {
    participants.get(id).tile?.root.remove();
    participants.delete(id);
  }
  tracks.clear();
  state.publishing = false;
  state.published = [];
  set_active_speaker(null);
  state.ready = false;
  els.join.disabled = false;
  els.leave.disabled = true;
}

function leave() {
  if (!signaling) return;
  signaling.send({ type: 'leave' });
  teardown();
  state.connection = 'closed';
  set_status('left', 'Left the conference');
  show_publish_status();
}

// Inbound RTP counters per remote participant, for tests and for a quick look
// in the console: {participantId: {video: {framesDecoded,...}, audio: {...}}}.
async function inbound_stats() {
  const result = {};
  if (!pc || pc.connectionState === 'closed') return result;
  const by_mid = new Map();
  for (const track of tracks.values()) {
    if (track.transceiver?.mid != null) by_mid.set(track.transceiver.mid, track);
  }
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    const track = by_mid.get(s.mid);
    if (!track) return;
    const entry = (result[track.participant] ??= {});
    entry[s.kind] = {
      track: track.id,
      mid: s.mid,
      packetsReceived: s.packetsReceived ?? 0,
      bytesReceived: s.bytesReceived ?? 0,
      framesDecoded: s.framesDecoded ?? 0,
      totalAudioEnergy: s.totalAudioEnergy ?? 0,
    };
  });
  return result;
}

// Test hook: read-only views of the page's state.
window.podium = {
  get state() { return structuredClone(state); },
  get pc() { return pc; },
  get participants() {
    return [...participants.values()].map(({ id, name, role }) => ({ id, name, role }));
  },
  get tracks() {
    return [...tracks.values()].map((t) => ({
      id: t.id, participant: t.participant, kind: t.kind,
      mid: t.transceiver?.mid ?? null, removed: t.removed,
    }));
  },
  get negotiations() { return negotiator?.completed ?? 0; },
  idle: () => negotiator?.idle() ?? Promise.resolve(),
  inbound_stats,
  join: (token) => join(token),
  leave,
};

els.form.addEventListener('submit', (event) => {
  event.preventDefault();
  join(els.token.value);
});
els.leave.addEventListener('click', leave);
window.addEventListener('pagehide', () => { if (signaling) signaling.send({ type: 'leave' }); });

const url_token = token_from_url();
if (url_token) {
  els.token.value = url_token;
  join(url_token);
}
