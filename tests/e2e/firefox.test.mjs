// Firefox ESR and Chromium in one conference: each decodes the other's video
// and receives its audio.
//
// Firefox gathers no ICE candidate on loopback, and none at all without a
// default route, so run.sh gives the namespace a veth (10.99.0.1/24, default
// route via 10.99.0.2 onlink) and this test starts its own server with its UDP
// port on 10.99.0.1. HTTP stays on 127.0.0.1: getUserMedia needs a secure
// context, which http://127.0.0.1 is and http://10.99.0.1 is not.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  assert_no_page_errors, conference_name, expect_media_from, firefox_binary, has_address,
  launch_browser, launch_firefox, open_firefox_page, open_page, start_server, wait_for,
} from './lib/harness.mjs';

const kVethAddress = '10.99.0.1';
const kHttp = `127.0.0.1:${process.env.PODIUM_FIREFOX_HTTP_PORT || 18081}`;
const kUdp = `${kVethAddress}:${process.env.PODIUM_FIREFOX_UDP_PORT || 41001}`;

const skip = !existsSync(firefox_binary())
  ? `${firefox_binary()} is missing (apt-get install firefox-esr)`
  : !has_address(kVethAddress)
    ? `no ${kVethAddress} here (run.sh sets up the veth inside its namespace)`
    : false;

async function join(server, browser, open, conference, name, role) {
  const token = server.mint(conference, name, role);
  const page = await open(browser, `${server.url}/?token=${encodeURIComponent(token)}`, name);
  await wait_for(() => page.evaluate(() => window.podium.state.me !== null), `${name}: welcome`);
  const id = await page.evaluate(() => window.podium.state.me.id);
  return { page, id, name };
}

describe('Firefox and Chromium in one conference', { skip, timeout: 120000 }, () => {
  const conference = conference_name('firefox');
  let server;
  let firefox;
  let chromium;
  let fox;
  let crow;

  before(async () => {
    server = await start_server({ http: kHttp, udp: kUdp, label: 'firefox server' });
    [firefox, chromium] = await Promise.all([launch_firefox(), launch_browser()]);
    fox = await join(server, firefox, open_firefox_page, conference, 'Fox', 'speaker');
    crow = await join(server, chromium, open_page, conference, 'Crow', 'speaker');
  });

  after(async () => {
    await firefox?.close();
    await chromium?.close();
    if (process.env.PODIUM_E2E_VERBOSE) console.log(server?.log());
    await server?.stop();
  });

  it('Firefox publishes camera and microphone', async () => {
    await wait_for(() => fox.page.evaluate(() => window.podium.state.published.length >= 2),
      'Fox: answer lists its published tracks');
    const state = await fox.page.evaluate(() => window.podium.state);
    assert.equal(state.publishing, true);
    assert.deepEqual(state.published.map((t) => t.kind).sort(), ['audio', 'video']);
  });

  it('each decodes the other\'s video and receives its audio', async () => {
    const at_fox = await expect_media_from(fox.page, [crow.id], 'Fox (Firefox)');
    const at_crow = await expect_media_from(crow.page, [fox.id], 'Crow (Chromium)');
    // Both fake microphones make a tone, so the audio is not silence.
    const energy = async (page, id) => wait_for(async () => {
      const s = await page.evaluate(() => window.podium.inbound_stats());
      return s[id]?.audio?.totalAudioEnergy > 0 ? s[id].audio.totalAudioEnergy : null;
    }, 'audio energy', 15000);
    assert.ok(await energy(crow.page, fox.id) > 0, 'Chromium hears Firefox');
    assert.ok(await energy(fox.page, crow.id) > 0, 'Firefox hears Chromium');
    assert.ok(at_fox[crow.id].video.framesDecoded > 0 && at_crow[fox.id].video.framesDecoded > 0);
    const fox_connection = await fox.page.evaluate(() => window.podium.pc.connectionState);
    assert.equal(fox_connection, 'connected');
  });

  it('Firefox leaves and Chromium drops its tile', async () => {
    await fox.page.evaluate(() => window.podium.leave());
    await wait_for(async () => (await crow.page.$$eval('.tile.remote', (els) => els.length)) === 0,
      'Crow: Fox\'s tile gone', 10000);
    assert_no_page_errors(assert, [fox.page, crow.page]);
  });
});
