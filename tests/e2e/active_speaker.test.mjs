// Active speaker in the browser: the tile of whoever talks is outlined (class
// `speaking`) on the other participant's page, and the outline moves when the
// other one starts talking while the first falls silent.
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
  assert_no_page_errors, conference_name, expect_media_from, launch_browser, open_page,
  start_server, wait_for,
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

// Renders speech_then_silence.wav and silence_then_speech.wav (48 kHz mono
// 16-bit, 2 × kTurnS seconds each) into `dir`.
function render_microphones(dir) {
  const path = (name) => join_path(dir, name);
  const fmt = ['-r', '48000', '-c', '1', '-b', '16'];
  execFileSync('espeak-ng', ['-w', path('sentence.wav'), kSentence], { timeout: 30000 });
  // Exactly one turn of speech: pad with silence, cut at kTurnS.
  execFileSync('sox', ['-V1', path('sentence.wav'), ...fmt, path('speech.wav'), 'pad', '0', String(kTurnS), 'trim', '0', String(kTurnS)]);
  execFileSync('sox', ['-n', ...fmt, path('silence.wav'), 'trim', '0', String(kTurnS)]);
  execFileSync('sox', [path('speech.wav'), path('silence.wav'), path('speech_then_silence.wav')]);
  execFileSync('sox', [path('silence.wav'), path('speech.wav'), path('silence_then_speech.wav')]);
  return { first: path('speech_then_silence.wav'), second: path('silence_then_speech.wav') };
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
  let joined_at = 0;

  async function join(browser, name) {
    const token = server.mint(conference, name, 'speaker');
    const page = await open_page(browser, `${server.url}/?token=${encodeURIComponent(token)}`, name);
    await wait_for(() => page.evaluate(() => window.podium.state.me !== null), `${name}: welcome`);
    return { page, name, id: await page.evaluate(() => window.podium.state.me.id) };
  }

  before(async () => {
    dir = mkdtempSync(join_path(tmpdir(), 'podium-e2e-mic-'));
    const mic = render_microphones(dir);
    server = await start_server({ http: kHttp, udp: kUdp, workers: 1, label: 'speaker server' });
    browsers = await Promise.all([mic.first, mic.second].map((file) =>
      launch_browser({ args: [`--use-file-for-fake-audio-capture=${file}`] })));
    [alice, bob] = await Promise.all([join(browsers[0], 'Alice'), join(browsers[1], 'Bob')]);
    joined_at = Date.now();
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    if (process.env.PODIUM_E2E_VERBOSE) console.log(server?.log());
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the talker is outlined on the other page, and the outline moves when the other talks', async () => {
    await expect_media_from(alice.page, [bob.id], 'Alice');
    await expect_media_from(bob.page, [alice.id], 'Bob');

    // Turn 1: Alice talks. Bob sees her tile outlined, Alice sees her own.
    const wait_turn = (speaker, listener, what) => wait_for(async () => {
      const [at_speaker, at_listener] = await Promise.all([outlined(speaker.page), outlined(listener.page)]);
      return at_listener === speaker.id && at_speaker === 'me';
    }, what, 3 * kTurnS * 1000, 200);
    await wait_turn(alice, bob, "Bob's page outlining Alice's tile while she talks");
    const first_at = Date.now();

    // Turn 2: Alice falls silent and Bob talks: the outline moves to him on
    // both pages (silence alone never moves it, so this is Bob's speech).
    await wait_turn(bob, alice, "Alice's page outlining Bob's tile once he talks");
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
    assert_no_page_errors(assert, [alice.page, bob.page]);
  });
});
