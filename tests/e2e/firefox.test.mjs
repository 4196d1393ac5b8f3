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
  join_test_page, launch_browser, launch_firefox, open_firefox_page, start_server,
  wait_for,
} from './lib/harness.mjs';

const kVethAddress = '10.99.0.1';
const kHttp = `127.0.0.1:${process.env.PODIUM_FIREFOX_HTTP_PORT || 18081}`;
const kUdp = `${kVethAddress}:${process.env.PODIUM_FIREFOX_UDP_PORT || 41001}`;

const skip = !existsSync(firefox_binary())
  ? `${firefox_binary()} is missing (apt-get install firefox-esr)`
  : !has_address(kVethAddress)
    ? `no ${kVethAddress} here (run.sh sets up the veth inside its namespace)`
    : false;

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
    fox = await join_test_page(server, firefox, conference, 'Fox', 'speaker', open_firefox_page);
    crow = await join_test_page(server, chromium, conference, 'Crow', 'speaker');
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
    // Podium's sender reports for Chromium's audio and video reach Firefox in one RTCP
    // compound with one SDES packet (RFC 8108 §5.3); Firefox keeps each as
    // remote-outbound-rtp.
    const reported = await wait_for(() => fox.page.evaluate(async () => {
      const kinds = new Set();
      (await window.podium.pc.getStats()).forEach((s) => {
        if (s.type === 'remote-outbound-rtp') kinds.add(s.kind ?? s.mediaType);
      });
      return kinds.has('audio') && kinds.has('video') ? [...kinds] : null;
    }), 'Firefox: remote-outbound-rtp for audio and video', 15000);
    assert.equal(reported.length, 2);
  });

  // Simulcast from Firefox (RFC 8853 with rids, RFC 8851): its offer lists the streams
  // in its own style; the server must answer them, take them low to high, and forward
  // the high one to a viewer that shows it large.
  it('Firefox publishes two simulcast streams by WHIP and a Chromium WHEP viewer gets the high one', async () => {
    const whip = `${server.url}/whip/${conference}`;
    const answer = await fox.page.evaluate(async ({ endpoint, token }) => {
      const { exchange_sdp } = await import('/http_media.js');
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      const pc = new RTCPeerConnection();
      pc.addTransceiver(stream.getVideoTracks()[0], {
        direction: 'sendonly',
        sendEncodings: [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 200000 }, { rid: 'h', maxBitrate: 900000 }],
      });
      window.whip_pc = pc;
      await exchange_sdp(pc, endpoint, token);
      return pc.remoteDescription.sdp.split('\r\n').filter((l) => /^a=(simulcast|rid):/.test(l));
    }, { endpoint: whip, token: server.mint(conference, 'Fox by WHIP', 'speaker') });
    assert.ok(answer.some((l) => /^a=simulcast:recv l;h$/.test(l)), `answer: ${JSON.stringify(answer)}`);

    // Both streams leave Firefox (outbound-rtp per stream).
    const sending = await wait_for(() => fox.page.evaluate(async () => {
      const out = [];
      (await window.whip_pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && s.bytesSent > 0) out.push(s.frameHeight ?? 0);
      });
      return out.length >= 2 ? out.sort((a, b) => a - b) : null;
    }), 'Firefox sending both simulcast streams', 20000);

    // The stage follows the newest publisher; a WHEP viewer asks for nothing smaller,
    // so it gets the high stream: the full 480 rows, not the half.
    const whep = `${server.url}/whep/${conference}`;
    const error = await crow.page.evaluate(async ({ endpoint, token }) => {
      const { exchange_sdp } = await import('/http_media.js');
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      window.whep_pc = pc;
      try {
        await exchange_sdp(pc, endpoint, token);
        return '';
      } catch (e) {
        return String(e.message || e);
      }
    }, { endpoint: whep, token: server.mint(conference, 'Crow by WHEP', 'attendee') });
    assert.equal(error, '');
    const height = await wait_for(() => crow.page.evaluate(async () => {
      let h = 0;
      (await window.whep_pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) h = s.frameHeight;
      });
      return h >= 480 ? h : null;
    }), 'the WHEP viewer decoding the high stream', 20000);
    assert.equal(height, Math.max(...sending), `Firefox sends ${JSON.stringify(sending)}`);
    await fox.page.evaluate(() => window.whip_pc.close());
    await crow.page.evaluate(() => window.whep_pc.close());
  });

  it('Firefox leaves and Chromium drops its tile', async () => {
    await fox.page.evaluate(() => window.podium.leave());
    await wait_for(async () => (await crow.page.$$eval('.tile.remote', (els) => els.length)) === 0,
      'Crow: Fox\'s tile gone', 10000);
    assert_no_page_errors(assert, [fox.page, crow.page]);
  });
});
