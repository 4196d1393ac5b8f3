// Shared pieces of the end-to-end tests: where the server is, tokens, a
// Chromium with fake camera and microphone, and polling helpers.
//
// Environment (run.sh sets all of it):
//   PODIUM_URL       base URL of the server, e.g. http://127.0.0.1:18080
//   PODIUM_BIN       the podium binary (used for `podium token`)
//   PODIUM_DATA_DIR  the server's data dir (holds the token signing key)
//   PODIUM_CHROMIUM  Chromium binary (default /usr/bin/chromium)

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

export const kWaitMs = 30000;

function required_env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the tests through tests/e2e/run.sh BUILD_DIR`);
  return value;
}

export const server_url = () => required_env('PODIUM_URL').replace(/\/$/, '');

export function conference_name(prefix = 'e2e') {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function mint_token(conference, name, role) {
  const out = execFileSync(required_env('PODIUM_BIN'), [
    'token', '--conference', conference, '--name', name, '--role', role,
    '--data-dir', required_env('PODIUM_DATA_DIR'),
  ], { encoding: 'utf8', timeout: 10000 });
  const token = out.trim().split('\n').pop().trim();
  if (token.split('.').length !== 3) throw new Error(`podium token printed no JWT: ${JSON.stringify(out)}`);
  return token;
}

export async function launch_browser() {
  return chromium.launch({
    executablePath: process.env.PODIUM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// A page in its own browser context (own camera, own cookies), with its
// uncaught exceptions and console errors collected in page.podium_errors.
export async function open_page(browser, url, label) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.podium_errors = [];
  page.on('pageerror', (error) => page.podium_errors.push(`${label}: ${error.message}`));
  page.on('console', (msg) => {
    if (process.env.PODIUM_E2E_VERBOSE) console.log(`[${label}] ${msg.type()}: ${msg.text()}`);
    // A missing favicon is not the page's fault.
    if (msg.type() === 'error' && !/favicon/.test(msg.text() + (msg.location()?.url ?? ''))) {
      page.podium_errors.push(`${label}: console error: ${msg.text()}`);
    }
  });
  // Module scripts have run by DOMContentLoaded; "load" would also wait for media.
  const response = await page.goto(url, { timeout: kWaitMs, waitUntil: 'domcontentloaded' });
  if (!response || !response.ok()) throw new Error(`${label}: GET ${url} → ${response?.status()}`);
  return page;
}

// Polls fn() until it returns a truthy value; returns that value. On timeout
// the error names what was awaited and the last value seen.
export async function wait_for(fn, what, timeout_ms = kWaitMs, interval_ms = 250) {
  const deadline = Date.now() + timeout_ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = `threw ${error.message}`;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval_ms));
  }
}

// Waits until the page receives video (framesDecoded) and audio
// (packetsReceived) from each participant in `ids`, and both counters grow
// between two reads: a single non-zero read could be a stalled stream.
export async function expect_media_from(page, ids, label) {
  const read = () => page.evaluate(async () => ({
    connection: window.podium.pc?.connectionState,
    stats: await window.podium.inbound_stats(),
  }));
  const flowing = (s) => ids.every((id) => s[id]?.video?.framesDecoded > 0 && s[id]?.audio?.packetsReceived > 0);
  let last = null;
  const explain = async (fn, what) => {
    try {
      return await wait_for(fn, what);
    } catch (error) {
      error.message += `\n  last read: ${JSON.stringify(last)}`;
      throw error;
    }
  };
  const first = await explain(async () => {
    last = await read();
    return flowing(last.stats) ? last.stats : null;
  }, `${label}: first video frames and audio packets from ${ids.join(', ')}`);
  return explain(async () => {
    last = await read();
    const s = last.stats;
    const grew = ids.every((id) =>
      s[id]?.video?.framesDecoded > first[id].video.framesDecoded &&
      s[id]?.audio?.packetsReceived > first[id].audio.packetsReceived);
    return grew ? s : null;
  }, `${label}: framesDecoded and packetsReceived growing from ${ids.join(', ')}`);
}

// inbound-rtp totals of a bare RTCPeerConnection exposed by a page (WHEP).
export async function inbound_totals(page, pc_expression) {
  return page.evaluate(async (expr) => {
    // eslint-disable-next-line no-eval
    const pc = (0, eval)(expr);
    const totals = { video: { framesDecoded: 0, packetsReceived: 0 }, audio: { packetsReceived: 0 } };
    if (!pc) return totals;
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp' || !totals[s.kind]) return;
      totals[s.kind].packetsReceived += s.packetsReceived ?? 0;
      if (s.kind === 'video') totals.video.framesDecoded += s.framesDecoded ?? 0;
    });
    return totals;
  }, pc_expression);
}

export function assert_no_page_errors(assert, pages) {
  const errors = pages.flatMap((p) => p.podium_errors ?? []);
  assert.deepEqual(errors, [], 'pages had uncaught errors');
}
