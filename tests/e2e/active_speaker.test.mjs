// Active speaker in the browser: the tile of whoever talks is outlined (class
// `speaking`) on the other participants' pages, and the outline moves when the
// other one starts talking while the first falls silent; a third participant
// whose microphone picks up only loud steady noise (a fan, traffic) is never
// outlined.
//
// Each Chromium gets a microphone of its own (--use-file-for-fake-audio-capture
// is per browser), rendered at test time into a temp dir: a sentence from
// espeak-ng, padded by sox to kTurnS seconds, and kTurnS seconds of digital
// silence. Alice's file is speech then silence, Bob's silence then speech;
// Chromium loops the file, so they take turns every kTurnS seconds. They join
// within a second or two of each other, far less than a turn, so their speech
// never overlaps. The server reads the RFC 6464 audio levels, picks the dominant
// speaker (src/sfu/active_speaker.h) and announces it over /rtc.
//
// Own server (HTTP 127.0.0.1:18084, UDP 127.0.0.1:41030), so its /metrics count
// only this conference's speaker changes.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import {
  assert_no_page_errors, conference_name, expect_media_from, join_test_page,
  launch_browser, start_server, wait_for,
} from './lib/harness.mjs';

const kHttp = `127.0.0.1:${process.env.PODIUM_SPEAKER_HTTP_PORT || 18084}`;
const kUdp = `127.0.0.1:${process.env.PODIUM_SPEAKER_UDP_PORT || 41030}`;
const kTurnS = 10;
const kSentence = 'The session is open. The chair gives the floor to the member for the northern ' +
  'district, who will now speak on the budget for the coming year.';

function has_program(name) {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore', timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

const skip = !has_program('espeak-ng') ? 'espeak-ng is missing (apt-get install espeak-ng)'
  : !has_program('sox') ? 'sox is missing (apt-get install sox)' : false;

// Renders speech_then_silence.wav, silence_then_speech.wav and noise.wav (48 kHz
// mono 16-bit, 2 × kTurnS seconds each) into `dir`.
function render_microphones(dir) {
  const path = (name) => join_path(dir, name);
  const fmt = ['-r', '48000', '-c', '1', '-b', '16'];
  execFileSync('espeak-ng', ['-w', path('sentence.wav'), kSentence], { timeout: 30000 });
  // Exactly one turn of speech: pad with silence, cut at kTurnS.
  execFileSync('sox', ['-V1', path('sentence.wav'), ...fmt, path('speech.wav'), 'pad', '0', String(kTurnS), 'trim', '0', String(kTurnS)]);
  execFileSync('sox', ['-n', ...fmt, path('silence.wav'), 'trim', '0', String(kTurnS)]);
  execFileSync('sox', [path('speech.wav'), path('silence.wav'), path('speech_then_silence.wav')]);
  execFileSync('sox', [path('silence.wav'), path('speech.wav'), path('silence_then_speech.wav')]);
  // The noise as loud as the speech's peaks average out (sox `stat` RMS of the
  // sentence): what the detector must not take for a talker.
  execFileSync('sox', ['-n', ...fmt, path('pink.wav'), 'synth', String(2 * kTurnS - 3), 'pinknoise', 'vol', '0.25']);
  execFileSync('sox', ['-n', ...fmt, path('lead_in.wav'), 'trim', '0', '3']);
  execFileSync('sox', [path('lead_in.wav'), path('pink.wav'), path('noise.wav')]);
  return {
    first: path('speech_then_silence.wav'), second: path('silence_then_speech.wav'), noise: path('noise.wav'),
  };
}

// Which tiles carry `speaking` on a page: 'me', a remote participant id, or null.
async function outlined(page) {
  return page.evaluate(() => {
    if (document.getElementById('local-tile')?.classList.contains('speaking')) return 'me';
    return document.querySelector('section.tile.remote.speaking')?.dataset.participant ?? null;
  });
}

async function speaker_changes(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(/^podium_active_speaker_changes_total (\d+)/m);
  return m ? Number(m[1]) : NaN;
}

describe('active speaker follows whoever talks', { skip, timeout: 120000 }, () => {
  const conference = conference_name('speaker');
  let dir;
  let server;
  let browsers = [];
  let alice;
  let bob;
  let carol;
  let joined_at = 0;

  const join = (browser, name) => join_test_page(server, browser, conference, name);

  before(async () => {
    dir = mkdtempSync(join_path(tmpdir(), 'podium-e2e-mic-'));
    const mic = render_microphones(dir);
    server = await start_server({ http: kHttp, udp: kUdp, workers: 1, label: 'speaker server' });
    browsers = await Promise.all([mic.first, mic.second, mic.noise].map((file) =>
      launch_browser({ args: [`--use-file-for-fake-audio-capture=${file}`] })));
    [alice, bob, carol] = await Promise.all([
      join(browsers[0], 'Alice'), join(browsers[1], 'Bob'), join(browsers[2], 'Carol')]);
    joined_at = Date.now();
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    if (process.env.PODIUM_E2E_VERBOSE) console.log(server?.log());
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the talker is outlined on the other page, and the outline moves when the other talks', async () => {
    await expect_media_from(alice.page, [bob.id, carol.id], 'Alice');
    await expect_media_from(bob.page, [alice.id, carol.id], 'Bob');
    await expect_media_from(carol.page, [alice.id, bob.id], 'Carol');
    // Carol's noise must never be taken for speech: watched on every page until the end.
    const noise_outlined = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const who of [alice, bob, carol]) {
          const at = await outlined(who.page).catch(() => null);
          if (at === carol.id || (who === carol && at === 'me'))
            noise_outlined.push(`${((Date.now() - joined_at) / 1000).toFixed(1)} s on ${who.name}'s page`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    // Turn 1: Alice talks. Bob and Carol see her tile outlined, Alice her own.
    const wait_turn = (speaker, listeners, what) => wait_for(async () => {
      const [at_speaker, ...at_listeners] = await Promise.all(
        [speaker, ...listeners].map((who) => outlined(who.page)));
      return at_speaker === 'me' && at_listeners.every((at) => at === speaker.id);
    }, what, 3 * kTurnS * 1000, 200);
    await wait_turn(alice, [bob, carol], "Bob's and Carol's pages outlining Alice's tile while she talks");
    const first_at = Date.now();

    // Turn 2: Alice falls silent and Bob talks: the outline moves to him on
    // every page (silence or Carol's noise never move it, so this is Bob's speech).
    await wait_turn(bob, [alice, carol], "Alice's and Carol's pages outlining Bob's tile once he talks");
    const switched_after_s = (Date.now() - first_at) / 1000;
    assert.ok(switched_after_s < 2.5 * kTurnS, `switch took ${switched_after_s} s`);

    // No flapping: the server changed speaker at most once per turn since the
    // two joined (plus the first pick and one turn of slack).
    const elapsed_s = (Date.now() - joined_at) / 1000;
    const changes = await speaker_changes(server.url);
    assert.ok(changes >= 2, `podium_active_speaker_changes_total ${changes}`);
    assert.ok(changes <= Math.ceil(elapsed_s / kTurnS) + 2,
      `${changes} speaker changes in ${elapsed_s.toFixed(1)} s of ${kTurnS} s turns`);
    if (process.env.PODIUM_E2E_REPORT) {
      console.log(`active speaker: switched ${switched_after_s.toFixed(1)} s after Alice was outlined; ` +
        `${changes} changes in ${elapsed_s.toFixed(1)} s`);
    }
    watching = false;
    await watch;
    // The noise was really there and loud: Carol's browser captured it (before its noise
    // suppressor settled, at speech level; then about -30 dBFS) and it was never taken
    // for a talker. RMS from RTCAudioSourceStats totalAudioEnergy over the capture.
    const noise_level = await carol.page.evaluate(async () => {
      let rms = 0;
      (await window.podium.pc.getStats()).forEach((s) => {
        if (s.type === 'media-source' && s.kind === 'audio' && s.totalSamplesDuration > 0)
          rms = Math.sqrt(s.totalAudioEnergy / s.totalSamplesDuration);
      });
      return rms;
    });
    assert.ok(noise_level > 0.05, `Carol's microphone RMS ${noise_level}: the noise did not play`);
    if (process.env.PODIUM_E2E_REPORT) console.log(`active speaker: noise captured at RMS ${noise_level.toFixed(2)}`);
    assert.deepEqual(noise_outlined, [], 'the participant with only noise was outlined as the speaker');
    assert_no_page_errors(assert, [alice.page, bob.page, carol.page]);
  });
});
