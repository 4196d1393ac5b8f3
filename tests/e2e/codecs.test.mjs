// Video codecs through Podium: for each codec Debian's Chromium can encode with its fake
// camera (VP8, VP9, H.264, AV1; RTCRtpSender.getCapabilities decides), a WHIP publisher
// puts that codec first with setCodecPreferences, and a second page plays the stage by
// WHEP and decodes frames in the same codec (getStats: codec of inbound-rtp, framesDecoded
// growing). A WHEP player that can only decode VP8 is refused an H.264 stage with a reason.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assert_no_page_errors, conference_name, launch_browser, mint_token, open_page, server_url,
  wait_for,
} from './lib/harness.mjs';

const kCodecs = ['video/VP8', 'video/VP9', 'video/H264', 'video/AV1'];

// In the page: a fake-camera track sent with `mime` preferred (H.264: packetization-mode 1
// first), offered to `endpoint` by WHIP. Keeps the connection in window.codec_pc.
async function publish({ endpoint, token, mime }) {
  const { exchange_sdp } = await import('/http_media.js');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
  const pc = new RTCPeerConnection();
  const transceiver = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
  const all = RTCRtpSender.getCapabilities('video').codecs;
  const rank = (c) => (c.mimeType !== mime ? 2 : /packetization-mode=0/.test(c.sdpFmtpLine || '') ? 1 : 0);
  transceiver.setCodecPreferences([...all].sort((a, b) => rank(a) - rank(b)));
  window.codec_pc = pc;
  await exchange_sdp(pc, endpoint, token);
}

// In the page: a recvonly video transceiver played by WHEP; `only` restricts the codecs
// it accepts (null: all). Returns the HTTP error text, or '' once the answer is applied.
async function play({ endpoint, token, only }) {
  const { exchange_sdp } = await import('/http_media.js');
  const pc = new RTCPeerConnection();
  const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  if (only) {
    const codecs = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => c.mimeType === only);
    transceiver.setCodecPreferences(codecs);
  }
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  pc.ontrack = (e) => { video.srcObject = new MediaStream([e.track]); };
  window.codec_pc = pc;
  try {
    await exchange_sdp(pc, endpoint, token);
    return '';
  } catch (error) {
    return String(error.message || error);
  }
}

// In the page: the video rtp stats of window.codec_pc and the codec they use.
async function video_stats(type) {
  const report = await window.codec_pc.getStats();
  let rtp = null;
  report.forEach((s) => { if (s.type === type && s.kind === 'video') rtp = s; });
  if (!rtp) return null;
  const codec = rtp.codecId ? report.get(rtp.codecId) : null;
  return {
    mime: codec ? codec.mimeType : '',
    fmtp: codec ? codec.sdpFmtpLine || '' : '',
    frames: type === 'outbound-rtp' ? rtp.framesEncoded || 0 : rtp.framesDecoded || 0,
    packets: type === 'outbound-rtp' ? rtp.packetsSent || 0 : rtp.packetsReceived || 0,
  };
}

describe('video codecs through Podium', { timeout: 300000 }, () => {
  let browser;
  const pages = [];

  before(async () => {
    browser = await launch_browser();
  });

  after(async () => {
    await browser?.close();
  });

  for (const mime of kCodecs) {
    it(`${mime}: published by preference, played and decoded by WHEP`, async (t) => {
      const conference = conference_name('e2e-codec');
      const publisher = await open_page(browser, `${server_url()}/healthz`, `publish ${mime}`);
      pages.push(publisher);
      const encodable = await publisher.evaluate(
        (m) => RTCRtpSender.getCapabilities('video').codecs.some((c) => c.mimeType === m), mime);
      if (!encodable) {
        t.skip(`this Chromium cannot encode ${mime}`);
        return;
      }
      await publisher.evaluate(publish, {
        endpoint: `${server_url()}/whip/${conference}`,
        token: mint_token(conference, 'Encoder', 'speaker'),
        mime,
      });
      const sent = await wait_for(async () => {
        const s = await publisher.evaluate(video_stats, 'outbound-rtp');
        return s && s.mime && s.frames > 0 && s.packets > 0 ? s : null;
      }, `${mime}: publisher encoding`);
      assert.equal(sent.mime, mime, `the publisher sends ${sent.mime} ${sent.fmtp}`);

      const player = await open_page(browser, `${server_url()}/healthz`, `play ${mime}`);
      pages.push(player);
      const error = await player.evaluate(play, {
        endpoint: `${server_url()}/whep/${conference}`,
        token: mint_token(conference, 'Viewer', 'attendee'),
        only: null,
      });
      assert.equal(error, '');
      const first = await wait_for(async () => {
        const s = await player.evaluate(video_stats, 'inbound-rtp');
        return s && s.frames > 0 ? s : null;
      }, `${mime}: WHEP player decodes frames`);
      assert.equal(first.mime, mime, `the player decodes ${first.mime} ${first.fmtp}`);
      await wait_for(async () => {
        const s = await player.evaluate(video_stats, 'inbound-rtp');
        return s.frames > first.frames + 10;
      }, `${mime}: framesDecoded growing`);

      if (mime === 'video/H264') {
        // A player that can decode only VP8 cannot play an H.264 stage: 400 with the reason.
        // (Its console reports the 400, so it stays out of the page error check.)
        const vp8_only = await open_page(browser, `${server_url()}/healthz`, 'play VP8 only');
        const refused = await vp8_only.evaluate(play, {
          endpoint: `${server_url()}/whep/${conference}`,
          token: mint_token(conference, 'Old player', 'attendee'),
          only: 'video/VP8',
        });
        assert.match(refused, /^POST .*: 400 .*cannot receive the H264 stream \(offered VP8/);
      }
      await publisher.evaluate(() => window.codec_pc.close());
      await player.evaluate(() => window.codec_pc.close());
    });
  }

  it('no page errors', () => {
    assert_no_page_errors(assert, pages);
  });
});
