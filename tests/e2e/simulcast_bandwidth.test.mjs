// Simulcast under a subscriber's bandwidth limit: a Chromium publisher sends two
// simulcast streams (rid l = half size, rid h = full size) by WHIP; two Chromium
// WHEP viewers watch it through the impairment relay (tests/tools/impair_relay.mjs).
// One viewer's path alone is limited to 300 kbit/s: the server's estimate for that
// subscriber (transport-cc feedback, GCC family) must drop it to the low stream
// within seconds while the other viewer stays on the high one; lifting the limit
// brings the high stream back (the server probes for bandwidth). Checked on what
// the viewers decode (getStats frameHeight: 360 rows high, 180 low).
//
// Like media/impairment.test.mjs, the test runs a server of its own (UDP on
// 127.0.0.1:PORT announcing 127.0.0.2, one worker) and the relay listens on
// 127.0.0.2:PORT, so every media packet passes the relay. PODIUM_E2E_REPORT=1
// prints the figures quoted in docs/media-quality.md.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import { assert_no_page_errors, conference_name, launch_browser, start_server, wait_for } from './lib/harness.mjs';
import { ImpairRelay } from '../tools/impair_relay.mjs';

const kUdpPort = Number(process.env.PODIUM_SIMULCAST_UDP_PORT || 41014);
const kHttp = `127.0.0.1:${process.env.PODIUM_SIMULCAST_HTTP_PORT || 18084}`;
const kLimitKbps = 300;
// How long the switch down may take (measured 1.1-1.6 s; docs/media-quality.md).
const kDownWithinMs = 10000;
// How long going back up may take once the limit is lifted (probes back off to 8 s).
const kUpWithinMs = 20000;

// The camera: Chromium's own fake picture compresses to ~150 kbit/s at 640x480, under
// the limit, so the publisher's browser plays a noisy 480x360 test pattern instead
// (ffmpeg, 4 s looped): its high stream needs the full 900 kbit/s allowed, the low
// one (240x180) its 150 kbit/s.
function make_camera_file(dir) {
  const file = join_path(dir, 'camera.y4m');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i',
    'testsrc2=size=480x360:rate=20,noise=alls=25:allf=t', '-t', '4', '-pix_fmt', 'yuv420p', file],
  { timeout: 60000 });
  return file;
}

// Every video encoding the app adds gets two simulcast streams instead of one
// (RFC 8853; the server orders them low → high by the offer's order).
const kSimulcastInit = `(() => {
  const add = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (track, init = {}) {
    if (track && track.kind === 'video' && !init.sendEncodings) {
      // Keep each stream's size under CPU load (frame rate gives way instead), so
      // that the size a viewer decodes names the stream it gets.
      track.contentHint = 'detail';
      init = { ...init, sendEncodings: [
        { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150000 },
        { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 900000 },
      ] };
    }
    return add.call(this, track, init);
  };
})();`;

async function open_http_page(browser, url, label, init_script) {
  const context = await browser.newContext();
  if (init_script) await context.addInitScript(init_script);
  const page = await context.newPage();
  page.podium_errors = [];
  page.on('pageerror', (error) => page.podium_errors.push(`${label}: ${error.message}`));
  page.on('console', (msg) => {
    if (process.env.PODIUM_E2E_VERBOSE) console.log(`[${label}] ${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error' && !/favicon/.test(msg.text() + (msg.location()?.url ?? ''))) {
      page.podium_errors.push(`${label}: console error: ${msg.text()}`);
    }
  });
  const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
  if (!response || !response.ok()) throw new Error(`${label}: GET ${url} → ${response?.status()}`);
  await wait_for(async () => {
    const s = await page.evaluate(() => window.podium_http.state);
    if (s.status === 'error') throw new Error(`${label}: ${s.last_error}`);
    return s.resource && s.connection === 'connected';
  }, `${label} connected`);
  return page;
}

// What a viewer decodes now: the height of the last decoded frame and frames so far.
async function viewer_state(page) {
  return page.evaluate(async () => {
    const stats = await window.podium_http.pc.getStats();
    const s = { frameHeight: 0, framesDecoded: 0 };
    stats.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        s.frameHeight = r.frameHeight ?? 0;
        s.framesDecoded = r.framesDecoded ?? 0;
      }
    });
    return s;
  });
}

// The publisher's send rate per rid over the last second (bit/s).
async function publisher_bitrates(page) {
  const bytes = () => page.evaluate(async () => {
    const out = {};
    (await window.podium_http.pc.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') out[r.rid] = r.bytesSent;
    });
    return out;
  });
  const before = await bytes();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await bytes();
  const rates = {};
  for (const rid of Object.keys(after)) rates[rid] = 8 * (after[rid] - (before[rid] ?? 0));
  return rates;
}

async function server_metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
}

const report = (what, value) => {
  if (process.env.PODIUM_E2E_REPORT) console.log(`simulcast: ${what} ${JSON.stringify(value)}`);
};

describe('a subscriber limited to 300 kbit/s gets the low simulcast stream', { timeout: 180000 }, () => {
  const conference = conference_name('simulcast');
  let server;
  let relay;
  let browser;
  let publisher_browser;
  let dir;
  let publisher;
  let limited;  // viewer whose path gets the limit
  let other;    // viewer without a limit
  let limited_keys = [];
  let high_height;

  before(async () => {
    server = await start_server({
      http: kHttp, udp: `127.0.0.1:${kUdpPort}`, announce: '127.0.0.2', workers: 1, label: 'simulcast server',
    });
    relay = await ImpairRelay.start({ listen: `127.0.0.2:${kUdpPort}`, upstream: `127.0.0.1:${kUdpPort}`, seed: 7 });
    dir = mkdtempSync(join_path(tmpdir(), 'podium-e2e-camera-'));
    publisher_browser = await launch_browser({ args: [`--use-file-for-fake-video-capture=${make_camera_file(dir)}`] });
    browser = await launch_browser();
    const url = (page, name, role) =>
      `${server.url}/${page}?token=${encodeURIComponent(server.mint(conference, name, role))}`;
    publisher = await open_http_page(publisher_browser, url('whip.html', 'Speaker', 'speaker'), 'publisher', kSimulcastInit);
    other = await open_http_page(browser, url('whep.html', 'Fast', 'attendee'), 'fast viewer');
    limited = await open_http_page(browser, url('whep.html', 'Slow', 'attendee'), 'slow viewer');
  });

  // The slow viewer's path in the relay: the server logs "transport UFRAG: connected via
  // udp IP:PORT" with its own ICE ufrag (in the viewer's remote description) and the
  // address it sees, which is the relay's upstream socket for that viewer.
  async function relay_keys_of(page) {
    const ufrag = await page.evaluate(() =>
      window.podium_http.pc.remoteDescription.sdp.match(/a=ice-ufrag:(\S+)/)[1]);
    const escaped = ufrag.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const ports = [...server.log().matchAll(new RegExp(`transport ${escaped}: connected via udp [\\d.]+:(\\d+)`, 'g'))]
      .map((m) => Number(m[1]));
    return ports.map((port) => relay.client_by_upstream_port(port)).filter(Boolean);
  }

  after(async () => {
    await browser?.close();
    await publisher_browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    report('relay counters', { shared: relay?.counters(), limited: limited_keys.map((k) => relay?.client_counters(k)) });
    await relay?.close();
    if (process.env.PODIUM_E2E_VERBOSE) console.log(server?.log());
    await server?.stop();
  });

  it('without a limit both viewers get the high stream', async () => {
    // Both streams arrive at the server; each viewer's estimate starts low and grows,
    // so the high stream comes once the estimates allow it.
    const [a, b] = await wait_for(async () => {
      const states = [await viewer_state(limited), await viewer_state(other)];
      return states.every((s) => s.framesDecoded > 0 && s.frameHeight >= 360) ? states : null;
    }, 'both viewers decoding the high stream', 40000, 500);
    // The senders' and the server's estimates ramp up over seconds: wait until the
    // high stream carries more than the limit will allow.
    await wait_for(async () => (await publisher_bitrates(publisher)).h > 2 * kLimitKbps * 1000,
      'the high stream above twice the limit', 40000, 1000);
    report('clean (limited, other)', [a, b]);
    high_height = b.frameHeight;
    assert.equal(a.frameHeight, high_height);
    const rids = await publisher.evaluate(async () => {
      const out = [];
      (await window.podium_http.pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video' && r.packetsSent > 0) out.push(r.rid);
      });
      return out.sort();
    });
    assert.deepEqual(rids, ['h', 'l'], 'the publisher sends both simulcast streams');
    limited_keys = await relay_keys_of(limited);
    assert.ok(limited_keys.length > 0, 'the relay knows the slow viewer');
    assert.ok(!(await relay_keys_of(other)).some((key) => limited_keys.includes(key)));
  });

  it('under 300 kbit/s the slow viewer drops to the low stream, the other keeps the high one', async () => {
    for (const key of limited_keys) {
      assert.equal(relay.configure_client(key, { down: { rate_kbps: kLimitKbps, queue_ms: 300 } }), null);
    }
    const started = Date.now();
    const other_heights = [];  // the other viewer, sampled every 250 ms meanwhile
    const low = await wait_for(async () => {
      const [s, o] = [await viewer_state(limited), await viewer_state(other)];
      other_heights.push(o.frameHeight);
      return s.frameHeight > 0 && s.frameHeight <= high_height / 2 ? s : null;
    }, `the slow viewer on the low stream within ${kDownWithinMs} ms`, kDownWithinMs, 250);
    const down_ms = Date.now() - started;
    // It stays there, decoding, while the limit holds.
    const before_frames = low.framesDecoded;
    for (let i = 0; i < 12; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      other_heights.push((await viewer_state(other)).frameHeight);
    }
    const [s, o] = [await viewer_state(limited), await viewer_state(other)];
    const other_min = Math.min(...other_heights);
    const other_high_share = other_heights.filter((h) => h === high_height).length / other_heights.length;
    const estimate_sum = await server_metric(server.url, 'podium_subscriber_estimated_bitrate_bps_sum');
    report('limited', { down_ms, slow: s, other: o, other_min, other_high_share, estimate_sum, publisher_bps: await publisher_bitrates(publisher) });
    assert.ok(s.frameHeight <= high_height / 2, `slow viewer at ${s.frameHeight} rows under the limit`);
    assert.ok(s.framesDecoded > before_frames + 10, `slow viewer keeps decoding: ${before_frames} → ${s.framesDecoded}`);
    // The other viewer is not limited: it stays on the high stream (a single sample of
    // the low one was seen once in five runs on a loaded machine, see the docs).
    assert.equal(o.frameHeight, high_height, 'the viewer without a limit is on the high stream');
    assert.ok(other_high_share >= 0.9, `the viewer without a limit on the high stream ${other_high_share} of the time`);
    assert.ok(limited_keys.some((key) => relay.client_counters(key).down.max_queue_ms > 0), 'the limit was in force');
  });

  // On the low stream the server sends ~0.2 Mbit/s, and the GCC estimate may only grow
  // to 1.5 × what was acknowledged, so without probing it never reaches the 0.95 Mbit/s
  // of the high stream. The server probes (sfu/probe.h: RTX copies and padding at a
  // rate above the estimate, measured by transport-cc feedback) while the consumer is
  // held below its preferred stream, with a backoff of 2, 4, 8 s between failed probes.
  it('once the limit is lifted the slow viewer goes back to the high stream', async () => {
    const probes_before = await server_metric(server.url, 'podium_probe_clusters_total');
    for (const key of limited_keys) assert.equal(relay.configure_client(key, { down: { rate_kbps: 0 } }), null);
    const started = Date.now();
    await wait_for(async () => (await viewer_state(limited)).frameHeight === high_height,
      `the slow viewer back on the high stream within ${kUpWithinMs} ms`, kUpWithinMs, 250);
    const up_ms = Date.now() - started;
    const o = await viewer_state(other);
    const probes = {
      clusters: await server_metric(server.url, 'podium_probe_clusters_total'),
      clusters_before_lift: probes_before,
      packets: await server_metric(server.url, 'podium_probe_packets_total'),
      raised: await server_metric(server.url, 'podium_probe_raised_total'),
    };
    report('lifted', { up_ms, other: o, probes });
    assert.ok(probes.raised > 0, 'a probe lifted the estimate');
    assert.equal(o.frameHeight, high_height);
    assert_no_page_errors(assert, [publisher, limited, other]);
  });
});
