// WHIP publish and WHEP playback through web/static/whip.html and whep.html,
// plus the HTTP error answers a client can rely on.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assert_no_page_errors, conference_name, inbound_totals, launch_browser,
  mint_token, open_page, server_url, wait_for,
} from './lib/harness.mjs';

describe('WHIP publish and WHEP playback', { timeout: 180000 }, () => {
  const conference = conference_name('e2e-whip');
  let browser;
  let publisher;
  let player;

  before(async () => {
    browser = await launch_browser();
  });

  after(async () => {
    await browser?.close();
  });

  it('a speaker publishes by WHIP', async () => {
    const token = mint_token(conference, 'Encoder', 'speaker');
    publisher = await open_page(browser, `${server_url()}/whip.html?token=${encodeURIComponent(token)}`, 'whip');
    const state = await wait_for(async () => {
      const s = await publisher.evaluate(() => window.podium_http.state);
      if (s.status === 'error') throw new Error(s.last_error);
      return s.resource && s.connection === 'connected' ? s : null;
    }, 'WHIP session connected');
    assert.match(new URL(state.resource).pathname, new RegExp(`^/whip/${conference}/[^/]+$`));
  });

  it('an attendee plays the conference by WHEP and decodes video', async () => {
    const token = mint_token(conference, 'Viewer', 'attendee');
    player = await open_page(browser, `${server_url()}/whep.html?token=${encodeURIComponent(token)}`, 'whep');
    const state = await wait_for(async () => {
      const s = await player.evaluate(() => window.podium_http.state);
      if (s.status === 'error') throw new Error(s.last_error);
      return s.resource && s.connection === 'connected' ? s : null;
    }, 'WHEP session connected');
    assert.match(new URL(state.resource).pathname, new RegExp(`^/whep/${conference}/[^/]+$`));
    const first = await wait_for(async () => {
      const t = await inbound_totals(player, 'window.podium_http.pc');
      return t.video.framesDecoded > 0 && t.audio.packetsReceived > 0 ? t : null;
    }, 'WHEP: first decoded frames and audio packets');
    await wait_for(async () => {
      const t = await inbound_totals(player, 'window.podium_http.pc');
      return t.video.framesDecoded > first.video.framesDecoded &&
        t.audio.packetsReceived > first.audio.packetsReceived;
    }, 'WHEP: framesDecoded and audio packetsReceived growing');
  });

  // Podium's RTCP: the player's audio and video sender reports travel in one compound
  // with one SDES packet (RFC 8108 §5.3); Chromium keeps each as remote-outbound-rtp. The
  // publisher's receiver report becomes its remote-inbound-rtp, with a round trip.
  it('the player gets sender reports for both tracks, the publisher receiver reports', async () => {
    // One figure of the page's stats of `type`, by kind.
    const by_kind = (page, type, field) => page.evaluate(async ({ type, field }) => {
      const seen = {};
      (await window.podium_http.pc.getStats()).forEach((s) => {
        if (s.type === type) seen[s.kind] = s[field] ?? 0;
      });
      return seen;
    }, { type, field });
    const reports = await wait_for(async () => {
      const out = await by_kind(player, 'remote-outbound-rtp', 'reportsSent');
      return out.audio >= 2 && out.video >= 2 ? out : null;
    }, 'WHEP: remote-outbound-rtp for audio and video from two sender reports each', 15000);
    assert.ok(reports.audio >= 2 && reports.video >= 2);
    const received = await wait_for(async () => {
      const out = await by_kind(publisher, 'remote-inbound-rtp', 'roundTripTimeMeasurements');
      return out.audio >= 1 && out.video >= 1 ? out : null;
    }, 'WHIP: remote-inbound-rtp with round trips for audio and video', 15000);
    assert.ok(received.audio >= 1 && received.video >= 1);
  });

  it('DELETE of the WHEP and WHIP resources returns 200', async () => {
    assert.equal(await player.evaluate(() => window.podium_http.stop()), 200);
    assert.equal(await publisher.evaluate(() => window.podium_http.stop()), 200);
    assert_no_page_errors(assert, [publisher, player]);
  });

  it('WHIP refuses a missing token (401), an attendee (403) and bad SDP (400)', async () => {
    const url = `${server_url()}/whip/${conference}`;
    const sdp_headers = { 'Content-Type': 'application/sdp' };
    const no_token = await fetch(url, { method: 'POST', headers: sdp_headers, body: 'v=0\r\n' });
    assert.equal(no_token.status, 401);
    const attendee = mint_token(conference, 'Sneaky', 'attendee');
    // A well-formed sendonly offer made by a real browser, so only the role is wrong.
    const offer = await publisher.evaluate(async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('audio', { direction: 'sendonly' });
      const o = await pc.createOffer();
      pc.close();
      return o.sdp;
    });
    const forbidden = await fetch(url, {
      method: 'POST', headers: { ...sdp_headers, Authorization: `Bearer ${attendee}` }, body: offer,
    });
    assert.equal(forbidden.status, 403);
    const speaker = mint_token(conference, 'Clumsy', 'speaker');
    const malformed = await fetch(url, {
      method: 'POST', headers: { ...sdp_headers, Authorization: `Bearer ${speaker}` }, body: 'this is not SDP',
    });
    assert.equal(malformed.status, 400);
  });

  it('answers CORS preflights and 404 for an unknown session', async () => {
    const preflight = await fetch(`${server_url()}/whip/${conference}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://example.test',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    assert.ok(preflight.status === 200 || preflight.status === 204, `preflight status ${preflight.status}`);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    assert.match(preflight.headers.get('access-control-expose-headers') ?? '', /location/i);
    const speaker = mint_token(conference, 'Late', 'speaker');
    const gone = await fetch(`${server_url()}/whip/${conference}/no-such-session`, {
      method: 'DELETE', headers: { Authorization: `Bearer ${speaker}` },
    });
    assert.equal(gone.status, 404);
  });
});
