// Shared pieces of the end-to-end tests: where the server is, tokens, a
// Chromium with fake camera and microphone, and polling helpers.
//
// Environment (run.sh sets all of it):
//   PODIUM_URL       base URL of the server, e.g. http://127.0.0.1:18080
//   PODIUM_BIN       the podium binary (used for `podium token`)
//   PODIUM_DATA_DIR  the server's data dir (holds the token signing key)
//   PODIUM_CHROMIUM  Chromium binary (default /usr/bin/chromium)

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

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

// data_dir: of a server started with start_server(); default: run.sh's server.
export function mint_token(conference, name, role, data_dir = required_env('PODIUM_DATA_DIR')) {
  const out = execFileSync(required_env('PODIUM_BIN'), [
    'token', '--conference', conference, '--name', name, '--role', role,
    '--data-dir', data_dir,
  ], { encoding: 'utf8', timeout: 10000 });
  const token = out.trim().split('\n').pop().trim();
  if (token.split('.').length !== 3) throw new Error(`podium token printed no JWT: ${JSON.stringify(out)}`);
  return token;
}

// `args`: extra Chromium switches, e.g. --use-file-for-fake-audio-capture=F.wav
// (a microphone of this browser's own; the switch is per browser, not per page).
export async function launch_browser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.PODIUM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      ...args,
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
// Opens the test page (web/static) as `name` with a token of `role` for `conference` on
// `server` (start_server's), and waits for the welcome: {page, name, id}. `open` is
// open_page (Chromium) or open_firefox_page.
export async function join_test_page(server, browser, conference, name, role = 'speaker', open = open_page) {
  const token = server.mint(conference, name, role);
  const page = await open(browser, `${server.url}/?token=${encodeURIComponent(token)}`, name);
  await wait_for(() => page.evaluate(() => window.podium.state.me !== null), `${name}: welcome`);
  return { page, name, id: await page.evaluate(() => window.podium.state.me.id) };
}

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

// ---- a server of the test's own, Firefox ----------------------------------

const kWebRoot = fileURLToPath(new URL('../../../web/static', import.meta.url));

// Starts another `podium serve` (own data dir) for a test that needs its own
// UDP address, e.g. behind the impairment relay or on the namespace's veth.
// Each worker binds its own UDP port (udp, udp+1, ...).
// Returns {url, data_dir, mint(conference, name, role), log(), stop()}.
export async function start_server({ http, udp, announce, workers, label = 'server' }) {
  const data_dir = mkdtempSync(join_path(tmpdir(), 'podium-e2e-server-'));
  const args = ['serve', '--http', http, '--udp', udp, '--data-dir', data_dir,
    '--web-root', kWebRoot, '--log-level', process.env.PODIUM_E2E_LOG_LEVEL || 'info'];
  if (announce) args.push('--announce', announce);
  if (workers) args.push('--workers', String(workers));
  const child = spawn(required_env('PODIUM_BIN'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => { output = (output + chunk).slice(-200000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  exited.then(() => { running = false; });
  const url = `http://${http}`;
  const stop = async () => {
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(data_dir, { recursive: true, force: true });
  };
  try {
    await wait_for(async () => {
      if (!running) throw new Error(`${label} exited: ${output.slice(-2000)}`);
      return (await fetch(`${url}/healthz`)).status === 200;
    }, `${label}: ${url}/healthz`, 10000, 100);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    data_dir,
    mint: (conference, name, role) => mint_token(conference, name, role, data_dir),
    log: () => output,
    stop,
  };
}

// True when this host (the test's namespace) has the IPv4 address.
export function has_address(address) {
  return Object.values(networkInterfaces()).flat().some((i) => i?.address === address);
}

export const firefox_binary = () => process.env.PODIUM_FIREFOX || '/usr/bin/firefox-esr';

// Debian's Firefox ESR over WebDriver BiDi, fake camera and microphone, no
// prompt. Firefox gathers no candidate on loopback; see tests/e2e/README.md.
export async function launch_firefox() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefox_binary(),
    headless: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.autoplay.default': 0,             // allowed, also with sound
      'media.autoplay.blocking_policy': 0,
    },
  });
}

// Like open_page() for a puppeteer (Firefox) browser.
export async function open_firefox_page(browser, url, label) {
  const page = await browser.newPage();
  page.podium_errors = [];
  page.on('pageerror', (error) => page.podium_errors.push(`${label}: ${error.message}`));
  page.on('console', (msg) => {
    if (process.env.PODIUM_E2E_VERBOSE) console.log(`[${label}] ${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error' && !/favicon/.test(msg.text())) {
      page.podium_errors.push(`${label}: console error: ${msg.text()}`);
    }
  });
  const response = await page.goto(url, { timeout: kWaitMs, waitUntil: 'domcontentloaded' });
  if (response && !response.ok()) throw new Error(`${label}: GET ${url} → ${response.status()}`);
  return page;
}
