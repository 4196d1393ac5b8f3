// Relay interpretation and the per-language programs over WHEP, in Chromium, with tones
// a page can tell apart: the floor speaker's microphone plays 440 Hz, the moderator's
// (also allowed to speak: a panel of two) 550 Hz, the English booth's interpreter
// 880 Hz and the Russian booth's 660 Hz. The floor speaks Hebrew.
//   - relay: the Russian interpreter hears the floor (440 and 550 Hz, no 880 Hz), then
//     picks the English booth as source and hears its interpreter (880 Hz) instead of
//     the floor;
//   - WHEP: `whep.html?lang=en` (POST /whep/{conference}?lang=en) plays the English
//     program: 880 Hz over both floor voices ducked, nothing of the Russian booth; the
//     same with ?lang=ru and 660 Hz;
//   - the English program is mixed only while its WHEP player plays
//     (podium_program_mix_frames_total{lang="en"} on /metrics).
// Measured with WebAudio analysers in the listening pages.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import {
  assert_no_page_errors, conference_name, launch_browser, mint_token, open_page, server_url, wait_for,
} from './lib/harness.mjs';
import {
  command, create_conference, expect_levels, has_sox, open, settled_levels, tone,
} from './lib/interpretation.mjs';

const kPassword = 'interpretation-relay-password-1';
const kFrequencies = [440, 550, 660, 880, 1500];  // 1500 Hz: no tone, the noise floor

const app_levels = (page) => page.evaluate((fs) => {
  const l = window.podium_listening?.levels_db(fs);
  return l ? { f440: l[0], f550: l[1], f660: l[2], f880: l[3], noise: l[4] } : null;
}, kFrequencies);

// The WHEP page's received audio through an analyser of our own.
async function analyse_whep(page) {
  await wait_for(() => page.evaluate(() => window.podium_http?.state.connection === 'connected'),
    `${page.label}: WHEP connected`);
  await page.evaluate(() => {
    const receiver = window.podium_http.pc.getReceivers().find((r) => r.track.kind === 'audio');
    const stream = new MediaStream([receiver.track]);
    // Chromium feeds a remote track to WebAudio only while a media element plays it.
    const sink = new Audio();
    sink.muted = true;
    sink.srcObject = stream;
    void sink.play().catch(() => undefined);
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 4096;
    analyser.smoothingTimeConstant = 0.5;
    context.createMediaStreamSource(stream).connect(analyser);
    window.test_whep_levels = (fs) => {
      const bins = new Float32Array(analyser.frequencyBinCount);
      analyser.getFloatFrequencyData(bins);
      const hz = context.sampleRate / analyser.fftSize;
      return fs.map((f) => {
        const c = Math.round(f / hz);
        let peak = -Infinity;
        for (let i = c - 2; i <= c + 2; i++) peak = Math.max(peak, bins[i] ?? -Infinity);
        return peak;
      });
    };
    window.test_whep_sink = sink;
  });
}

const whep_levels = (page) => page.evaluate((fs) => {
  const l = window.test_whep_levels?.(fs);
  return l ? { f440: l[0], f550: l[1], f660: l[2], f880: l[3], noise: l[4] } : null;
}, kFrequencies);

async function program_frames(language) {
  const text = await (await fetch(`${server_url()}/metrics`)).text();
  const match = text.match(new RegExp(`^podium_program_mix_frames_total\\{lang="${language}"\\} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : 0;
}

describe('interpretation: relay and WHEP programs', { skip: !has_sox() && 'needs sox' }, () => {
  let dir;
  const browsers = [];
  const pages = [];

  before(() => { dir = mkdtempSync(join_path(tmpdir(), 'podium-relay-')); });
  after(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an interpreter relays another booth, and WHEP ?lang= plays the language program', async () => {
    const conference = conference_name('relay');
    await create_conference(conference, ['he', 'en', 'ru'], 'he', kPassword);

    const launch = async (name, hz) => {
      const b = await launch_browser({ args: [`--use-file-for-fake-audio-capture=${tone(dir, name, hz)}`] });
      browsers.push(b);
      return b;
    };
    const [speaker_browser, mod_browser, en_browser, ru_browser, quiet_browser] = await Promise.all([
      launch('f440', 440), launch('m550', 550), launch('en880', 880), launch('ru660', 660),
      launch('silence', 0)]);
    const token = (name, role) => mint_token(conference, name, role);

    const mod = await open(mod_browser, token('Moderator', 'moderator'), 'moderator');
    pages.push(mod);
    await command(mod, 'open');
    await command(mod, 'go-live');
    const speaker = await open(speaker_browser, token('Speaker', 'speaker'), 'speaker');
    const interp_en = await open(en_browser, token('Interpreter EN', 'interpreter'), 'interpreter en');
    const interp_ru = await open(ru_browser, token('Interpreter RU', 'interpreter'), 'interpreter ru');
    pages.push(speaker, interp_en, interp_ru);
    await command(mod, 'start-item', { item: 'opening' });
    await command(mod, 'grant-floor', { participant: speaker.id });
    await command(mod, 'assign-interpreter', { participant: interp_en.id, language: 'en', sources: ['he'] });
    await command(mod, 'assign-interpreter', { participant: interp_ru.id, language: 'ru', sources: ['en'] });
    for (const [page, language] of [[interp_en, 'en'], [interp_ru, 'ru']]) {
      await wait_for(() => page.evaluate((l) => window.podium.store.interpretation.booth(l)?.live ===
        window.podium.store.me.value.id, language), `${page.label} is live in booth ${language}`);
    }
    const en_frames_before = await program_frames('en');

    // The Russian interpreter first hears the floor: both voices, not the English booth.
    const on_floor = await expect_levels(interp_ru,
      (l) => l.f440 > l.noise + 30 && l.f550 > l.noise + 30 && l.f880 < l.f440 - 30,
      'on the floor: 440 and 550 Hz, no 880 Hz', 250, app_levels);
    // Relay: the English booth instead of the floor (the floor Hebrew is not a source).
    await interp_ru.getByTestId('interpreter-source').selectOption('en');
    const relaying = await expect_levels(interp_ru,
      (l) => l.f880 > l.noise + 30 && l.f440 < l.f880 - 30 && l.f550 < l.f880 - 30,
      'relaying booth en: 880 Hz, not the floor', 250, app_levels);
    // Nobody listened to a program yet: none was mixed.
    assert.equal(await program_frames('en'), en_frames_before, 'the English program was mixed for nobody');

    // WHEP with ?lang=en: the English program.
    const viewer = mint_token(conference, 'Viewer', 'attendee');
    const whep_en = await open_page(quiet_browser,
      `${server_url()}/whep.html?token=${encodeURIComponent(viewer)}&lang=en`, 'whep en');
    pages.push(whep_en);
    whep_en.label = 'whep en';
    await analyse_whep(whep_en);
    await expect_levels(whep_en,
      (l) => l.f880 > l.f440 + 6 && l.f880 > l.f550 + 6 && l.f440 > l.noise + 15 && l.f550 > l.noise + 15 &&
        l.f660 < l.f880 - 30,
      'the English program: 880 Hz over 440 and 550 Hz ducked, no 660 Hz', 250, whep_levels);
    // How far under the interpreter each floor voice is: ducked to 20 % (-14 dB); allow
    // for the codec and the analyser window. Read once the program has settled: the
    // first read that passes the wait above can come as the program starts, when a voice
    // whose first frames came a little later than the others' reads far lower (once
    // 27 dB under the interpreter).
    const program_en = await settled_levels(whep_en, whep_levels);
    assert.ok(program_en.f880 - program_en.f440 < 24 && program_en.f880 - program_en.f550 < 24,
      `both floor voices under the interpreter: ${JSON.stringify(program_en)}`);
    const en_frames_playing = await program_frames('en');
    assert.ok(en_frames_playing > en_frames_before, 'the English program is mixed while WHEP plays it');

    // The player stops (DELETE): the English mixer stops too.
    assert.equal(await whep_en.evaluate(() => window.podium_http.stop()), 200);
    let previous = -1;
    const en_frames_stopped = await wait_for(async () => {
      const now = await program_frames('en');
      const same = now === previous;
      previous = now;
      return same ? { now } : null;
    }, 'the English program stops growing', 20000, 500).then((r) => r.now);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await program_frames('en'), en_frames_stopped, 'nobody listens: nothing mixed');

    // ?lang=ru: the Russian program.
    const whep_ru = await open_page(quiet_browser,
      `${server_url()}/whep.html?token=${encodeURIComponent(viewer)}&lang=ru`, 'whep ru');
    pages.push(whep_ru);
    whep_ru.label = 'whep ru';
    await analyse_whep(whep_ru);
    await expect_levels(whep_ru,
      (l) => l.f660 > l.f440 + 6 && l.f660 > l.f550 + 6 && l.f440 > l.noise + 15 && l.f880 < l.f660 - 30,
      'the Russian program: 660 Hz over the ducked floor, no 880 Hz', 250, whep_levels);
    const program_ru = await settled_levels(whep_ru, whep_levels);
    await whep_ru.evaluate(() => window.podium_http.stop());

    if (process.env.PODIUM_E2E_REPORT) {
      console.log('relay and programs (dB):', JSON.stringify({ on_floor, relaying, program_en, program_ru }),
        `en program frames: ${en_frames_before} → ${en_frames_playing} → ${en_frames_stopped}`);
    }
    assert_no_page_errors(assert, pages);
  });
});
