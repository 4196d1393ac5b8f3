// Shared pieces of the interpretation browser tests: microphones playing tones (WAVs
// made with sox, one Chromium per microphone since the fake-capture file is a browser
// switch), app pages that join with them, the moderator's commands, the levels a
// listening page plays (its WebAudio analyser), and a conference made over REST.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join as join_path } from 'node:path';
import { server_url, wait_for } from './harness.mjs';

export function has_sox() {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A 20 s WAV of a sine at `hz` (0: silence) in `dir`.
export function tone(dir, name, hz) {
  const file = join_path(dir, `${name}.wav`);
  const synth = hz ? ['synth', '20', 'sine', String(hz), 'vol', '0.3'] : ['trim', '0', '20'];
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', file, ...synth], { timeout: 20000 });
  return file;
}

// Audio only, without the browser's voice processing, whatever the app asks for.
function plain_microphone() {
  const md = navigator.mediaDevices;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (constraints = {}) => original({
    video: false,
    audio: constraints.audio
      ? { ...(typeof constraints.audio === 'object' ? constraints.audio : {}),
        echoCancellation: false, noiseSuppression: false, autoGainControl: false }
      : false,
  });
}

function collect_errors(page, label) {
  page.label = label;
  page.podium_errors = [];
  page.on('pageerror', (error) => page.podium_errors.push(`${label}: ${error.message}`));
  page.on('console', (msg) => {
    if (process.env.PODIUM_E2E_VERBOSE) console.log(`[${label}] ${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error' && !/favicon|status of 4\d\d/.test(msg.text())) {
      page.podium_errors.push(`${label}: console error: ${msg.text()}`);
    }
  });
}

// The app (/app/) joined with this browser's microphone.
export async function open(browser, token, label) {
  const context = await browser.newContext();
  await context.addInitScript(plain_microphone);
  const page = await context.newPage();
  collect_errors(page, label);
  await page.goto(`${server_url()}/app/?token=${token}`, { waitUntil: 'domcontentloaded' });
  // Join only once the microphone is open, or the page would join without it.
  await wait_for(() => page.evaluate(() => document.querySelector('.preview video')?.srcObject?.getAudioTracks().length > 0),
    `${label}: microphone open`);
  await page.locator('.prejoin-form button[type=submit]').click();
  await wait_for(() => page.evaluate(() => window.podium?.store.status.value === 'joined'), `${label}: joined`);
  page.id = await page.evaluate(() => window.podium.store.me.value.id);
  return page;
}

export async function command(page, name, args = {}) {
  const result = await page.evaluate(([n, a]) => window.podium.session().command(n, a), [name, args]);
  assert.ok(result.ok, `${page.label}: ${name} refused: ${result.reason}`);
}

// dB at 440, 660 and 880 Hz and at 1500 Hz (no tone there: the noise floor), from the
// app's listening graph.
export const levels = (page) => page.evaluate(() => {
  const l = window.podium_listening?.levels_db([440, 660, 880, 1500]);
  return l ? { f440: l[0], f660: l[1], f880: l[2], noise: l[3] } : null;
});

// Waits until `read(page)` satisfies `ok`; on timeout the error carries the last levels
// and what the page receives.
export async function expect_levels(page, ok, what, interval_ms = 250, read = levels) {
  let last = null;
  try {
    return await wait_for(async () => {
      last = await read(page);
      return last && ok(last) ? last : null;
    }, `${page.label}: ${what}`, 20000, interval_ms);
  } catch (error) {
    const state = await page.evaluate(async () => {
      const pc = window.podium?.session()?.peer_connection ?? window.podium_http?.pc;
      const inbound = [];
      (await pc?.getStats())?.forEach((s) => {
        if (s.type === 'inbound-rtp') inbound.push([s.kind, s.packetsReceived, s.audioLevel]);
      });
      const session = window.podium?.session();
      return {
        graph: window.podium_listening?.describe(),
        tracks: window.podium ? [...window.podium.store.tracks.value.values()] : null,
        streams: [...(session?.streams.value.keys() ?? [])],
        channel: session?.channel_track.value?.readyState ?? null,
        inbound,
      };
    }).catch((e) => `unreadable: ${e.message}`);
    error.message += `\n  levels: ${JSON.stringify(last)}\n  page: ${JSON.stringify(state)}`;
    throw error;
  }
}

// The level a listener hears once the sound has settled: the median of `read(page)` over
// `ms`, per frequency. expect_levels returns the first read that passes, which may come
// right after the audio starts: the analyser then still shows the start (its smoothing
// halves the first read, -6 dB, and its 85 ms window may hold a voice's first frames
// only), so a level compared across voices is taken from this instead. A voice that is
// missing or too quiet for most of the time still shows.
export async function settled_levels(page, read = levels, ms = 1000, interval_ms = 100) {
  const reads = [];
  const end = Date.now() + ms;
  do {
    const l = await read(page);
    if (l) reads.push(l);
    await new Promise((resolve) => setTimeout(resolve, interval_ms));
  } while (Date.now() < end);
  assert.ok(reads.length > 0, `${page.label}: no levels to read`);
  const median = (values) => {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return Object.fromEntries(Object.keys(reads[0]).map((key) => [key, median(reads.map((l) => l[key]))]));
}

// An organizer (made with `podium admin`) creates `conference` with these languages and
// one agenda item "opening" in `floor_language`; returns the organizer's session token.
export async function create_conference(conference, languages, floor_language, password) {
  const email = `${conference}@example.org`;
  execFileSync(process.env.PODIUM_BIN, ['admin', 'create-organizer', '--email', email,
    '--password-stdin', '--data-dir', process.env.PODIUM_DATA_DIR],
  { input: `${password}\n`, encoding: 'utf8', timeout: 20000 });
  const base = server_url();
  const login = await (await fetch(`${base}/api/v1/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })).json();
  const created = await fetch(`${base}/api/v1/conferences`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.token}` },
    body: JSON.stringify({
      name: conference, title: 'Interpretation', languages,
      agenda: [{ id: 'opening', title: 'Opening', language: floor_language }],
    }),
  });
  assert.equal(created.status, 201, await created.text());
  return login.token;
}
