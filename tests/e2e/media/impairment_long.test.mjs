// The long impairment cases (`make test-media`, ctest label `media`; not in `make
// test`): two Chromium speakers through the impairment relay
// (tests/tools/impair_relay.mjs) under burst loss, 10 % loss, reordering, and a
// minute of 5 % loss. Each case measures what the receivers decode against a clean
// baseline of the same run and checks that NACK/RTX repaired the loss. The fast
// 5 % case and the rate limit are in ../impairment.test.mjs (in `make test`).
//
//   tests/e2e/run.sh build/asan tests/e2e/media/impairment_long.test.mjs
//
// PODIUM_E2E_REPORT=1 prints the figures quoted in docs/media-quality.md.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { conference_name, expect_media_from, launch_browser, open_page, start_server, wait_for } from '../lib/harness.mjs';
import { ImpairRelay, kDefaultImpairment } from '../../tools/impair_relay.mjs';

const kUdpPort = Number(process.env.PODIUM_MEDIA_UDP_PORT || 41016);
const kHttp = `127.0.0.1:${process.env.PODIUM_MEDIA_HTTP_PORT || 18086}`;
const kBaselineMs = 5000;
const kDelay = { delay_ms: 40, jitter_ms: 20 };

// name, impairment (both directions), measuring window, bounds against the clean
// baseline: fps ratio at least, share of time frozen at most (above clean).
const kCases = [
  ['burst loss (Gilbert-Elliott, ~3 % in runs of ~3 packets)', { ...kDelay, burst_p: 1, burst_r: 30, burst_loss: 100 }, 15000, 0.35, 0.25],
  ['10 % random loss', { ...kDelay, loss: 10 }, 15000, 0.25, 0.35],
  ['5 % reordered by 15 ms, 2 % loss', { ...kDelay, loss: 2, reorder: 5, reorder_gap_ms: 15 }, 15000, 0.35, 0.25],
  ['a minute of 5 % loss', { ...kDelay, loss: 5 }, 60000, 0.35, 0.25],
];

async function video_figures(page) {
  return page.evaluate(async () => {
    const f = { framesDecoded: 0, freezeCount: 0, totalFreezesDuration: 0, packetsLost: 0,
      nackCount: 0, pliCount: 0, retransmittedPacketsReceived: 0 };
    (await window.podium.pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      for (const key of Object.keys(f)) f[key] += s[key] ?? 0;
    });
    return f;
  });
}

async function measure(pages, ms) {
  const before = await Promise.all(pages.map(video_figures));
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await Promise.all(pages.map(video_figures));
  return after.map((a, i) => {
    const d = {};
    for (const key of Object.keys(a)) d[key] = a[key] - before[i][key];
    d.fps = (1000 * d.framesDecoded) / ms;
    d.frozen_share = d.totalFreezesDuration / (ms / 1000);
    return d;
  });
}

async function server_metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? 0);
  return {
    retransmissions: get('podium_retransmissions_sent_total'),
    nacks_sent: get('podium_nacks_sent_total'),
    repaired: get('podium_upstream_packets_repaired_total'),
    repair_us: get('podium_upstream_repair_microseconds_total'),
    given_up: get('podium_nack_given_up_total'),
    plis: get('podium_keyframe_requests_total'),
  };
}

const report = (what, value) => {
  if (process.env.PODIUM_E2E_REPORT) console.log(`impairment-long: ${what} ${JSON.stringify(value)}`);
};

describe('two speakers through long impaired paths', { timeout: 300000 }, () => {
  const conference = conference_name('impair-long');
  let server;
  let relay;
  let browser;
  let pages;
  let baseline;

  before(async () => {
    server = await start_server({
      http: kHttp, udp: `127.0.0.1:${kUdpPort}`, announce: '127.0.0.2', workers: 1, label: 'relay server',
    });
    relay = await ImpairRelay.start({ listen: `127.0.0.2:${kUdpPort}`, upstream: `127.0.0.1:${kUdpPort}`, seed: 4 });
    browser = await launch_browser();
    const people = [];
    for (const name of ['Alice', 'Bob']) {
      const page = await open_page(browser, `${server.url}/?token=${encodeURIComponent(server.mint(conference, name, 'speaker'))}`, name);
      await wait_for(() => page.evaluate(() => window.podium.state.me !== null), `${name}: welcome`);
      people.push({ page, id: await page.evaluate(() => window.podium.state.me.id) });
    }
    await expect_media_from(people[0].page, [people[1].id], 'Alice via relay');
    await expect_media_from(people[1].page, [people[0].id], 'Bob via relay');
    pages = people.map((p) => p.page);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    baseline = await measure(pages, kBaselineMs);
    report('clean (Alice, Bob)', baseline);
  });

  after(async () => {
    await browser?.close();
    report('relay counters', relay?.counters());
    await relay?.close();
    await server?.stop();
  });

  for (const [name, impairment, window_ms, min_fps_ratio, max_frozen] of kCases) {
    it(`${name}, 40 ± 20 ms: NACK/RTX keep the video playing`, async () => {
      assert.equal(relay.configure({ both: { ...kDefaultImpairment, ...impairment } }), null);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const server_before = await server_metrics(server.url);
      const figures = await measure(pages, window_ms);
      const server_after = await server_metrics(server.url);
      const server_delta = {};
      for (const key of Object.keys(server_after)) server_delta[key] = server_after[key] - server_before[key];
      server_delta.mean_repair_ms = server_delta.repaired ? server_delta.repair_us / server_delta.repaired / 1000 : 0;
      report(name, { figures, server: server_delta });
      assert.equal(relay.configure({ both: kDefaultImpairment }), null);
      assert.ok(server_delta.retransmissions > 0 && server_delta.nacks_sent > 0, JSON.stringify(server_delta));
      figures.forEach((d, i) => {
        const clean = baseline[i];
        const text = `${['Alice', 'Bob'][i]}: ${JSON.stringify(d)}; clean: ${JSON.stringify(clean)}`;
        assert.ok(d.packetsLost > 0 && d.retransmittedPacketsReceived > 0, text);
        assert.ok(d.fps >= min_fps_ratio * clean.fps, `fps ${d.fps} < ${min_fps_ratio} × ${clean.fps}. ${text}`);
        assert.ok(d.frozen_share <= max_frozen + clean.frozen_share, `frozen ${d.frozen_share}. ${text}`);
      });
      // Back to clean between cases, so that each starts from a playing picture.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    });
  }
});
