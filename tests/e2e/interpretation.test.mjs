// Live interpretation in the browser app (/app/), with tones a listener can tell apart:
// the floor speaker's fake microphone plays 440 Hz, interpreter A's 880 Hz, interpreter
// B's 660 Hz (WAVs made with sox at test time, one Chromium per microphone, since the
// fake-capture file is a browser switch). The organizer creates the conference with its
// languages over REST; the moderator (commands from its page) opens it, goes live, gives
// the floor to the speaker (agenda item in Hebrew) and puts A and B in the Russian booth.
// Measured with the WebAudio analyser of each listening page (what it plays):
//   - a listener on "floor" hears 440 Hz and no 880 Hz;
//   - a listener who picks Russian in the picker hears 880 Hz loud and 440 Hz ducked
//     under it (the default floor level, 20 %) within a second of the pick, and the
//     floor alone within a second of picking "floor" again;
//   - A hands over to B: the Russian listener now hears 660 Hz instead of 880 Hz, with
//     no new offer/answer (the server switched the channel);
//   - nobody but the interpreters' own pages knows the interpreters' tracks;
//   - the moderator's booth panel shows who is live, who is on standby and the handover
//     under way, and the interpreter's "slower please".
// Audio processing (echo cancellation, noise suppression, gain control) is turned off in
// the pages so the tones stay tones.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import {
  assert_no_page_errors, conference_name, launch_browser, mint_token, wait_for,
} from './lib/harness.mjs';
import {
  command, create_conference, expect_levels, has_sox, open, tone,
} from './lib/interpretation.mjs';

const kPassword = 'interpretation-password-1';

describe('interpretation', { skip: !has_sox() && 'needs sox' }, () => {
  let dir;
  const browsers = [];
  const pages = [];

  before(() => { dir = mkdtempSync(join_path(tmpdir(), 'podium-interp-')); });
  after(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a listener hears the interpreter over the ducked floor, and the handover switches voices', async () => {
    const conference = conference_name('interp');
    await create_conference(conference, ['he', 'ru', 'en'], 'he', kPassword);

    const [floor_mic, a_mic, b_mic, quiet] = [tone(dir, 'f440', 440), tone(dir, 'a880', 880),
      tone(dir, 'b660', 660), tone(dir, 'silence', 0)];
    const launch = async (file) => {
      const b = await launch_browser({ args: [`--use-file-for-fake-audio-capture=${file}`] });
      browsers.push(b);
      return b;
    };
    const [speaker_browser, a_browser, b_browser, quiet_browser] =
      await Promise.all([launch(floor_mic), launch(a_mic), launch(b_mic), launch(quiet)]);
    const token = (name, role) => mint_token(conference, name, role);

    const mod = await open(quiet_browser, token('Moderator', 'moderator'), 'moderator');
    pages.push(mod);
    await command(mod, 'open');
    await command(mod, 'go-live');
    const speaker = await open(speaker_browser, token('Speaker', 'speaker'), 'speaker');
    const interp_a = await open(a_browser, token('Interpreter A', 'interpreter'), 'interpreter A');
    const interp_b = await open(b_browser, token('Interpreter B', 'interpreter'), 'interpreter B');
    const ru_listener = await open(quiet_browser, token('Listener RU', 'attendee'), 'listener ru');
    const floor_listener = await open(quiet_browser, token('Listener floor', 'attendee'), 'listener floor');
    pages.push(speaker, interp_a, interp_b, ru_listener, floor_listener);

    await command(mod, 'start-item', { item: 'opening' });
    await command(mod, 'grant-floor', { participant: speaker.id });
    await command(mod, 'assign-interpreter', { participant: interp_a.id, language: 'ru', sources: ['he'] });
    await command(mod, 'assign-interpreter', { participant: interp_b.id, language: 'ru' });
    await wait_for(() => interp_a.evaluate(() => window.podium.store.interpretation.my_booth.value?.live ===
      window.podium.store.me.value.id), 'interpreter A is live (first present in the booth)');
    await wait_for(() => interp_a.getByTestId('booth-state').textContent().then((t) => /live/i.test(t)),
      'interpreter A sees "You are live"');

    // The moderator's booth panel: who is live, who is on standby.
    const ru_booth = mod.locator('[data-testid=booth-status] li[data-language=ru]');
    await wait_for(() => ru_booth.textContent().then((t) => t.includes('Interpreter A is live') &&
      t.includes('standby: Interpreter B')), 'the moderator sees A live and B on standby');
    // "Slower please" from the booth reaches the moderator.
    await interp_a.getByTestId('slower-please').click();
    await wait_for(() => mod.getByTestId('slower-alerts').textContent().then((t) =>
      t.includes('Interpreter A (Russian booth) asks the speaker to slow down')),
    'the moderator sees "slower please" from interpreter A');

    // Everyone sees the floor language.
    await wait_for(() => ru_listener.getByTestId('floor-language').textContent()
      .then((t) => t.includes('Hebrew')), 'the listener sees "Floor: Hebrew"');

    // The floor listener: the speaker, nothing of the booth.
    const on_floor = await expect_levels(floor_listener,
      (l) => l.f440 > l.noise + 30 && l.f880 < l.f440 - 30, 'hears 440 Hz and not 880 Hz');

    // The Russian listener picks Russian in the app.
    // The switch is heard within a second of the pick (measured from the pick to the
    // page's analyser showing the interpreter, polled every 50 ms).
    const picked_at = Date.now();
    await ru_listener.getByTestId('listen-language').selectOption('ru');
    const in_ru = await expect_levels(ru_listener,
      (l) => l.f880 > l.f440 + 6 && l.f440 > l.noise + 15,
      'hears 880 Hz over 440 Hz ducked', 50);
    const to_language_ms = Date.now() - picked_at;
    assert.ok(to_language_ms < 1000, `Russian heard ${to_language_ms} ms after the pick`);
    // The default floor level is 20 % (-14 dB); allow for the codec and the analyser window.
    assert.ok(in_ru.f880 - in_ru.f440 < 24, `440 Hz still audible under 880 Hz: ${JSON.stringify(in_ru)}`);

    // Nobody but interpreters is told about interpreters' tracks.
    for (const p of [ru_listener, floor_listener, mod]) {
      const owners = await p.evaluate(() => [...window.podium.store.tracks.value.values()].map((t) => t.participant));
      assert.ok(!owners.includes(interp_a.id) && !owners.includes(interp_b.id),
        `${p.label} knows an interpreter's track: ${JSON.stringify(owners)}`);
    }

    // Handover from A to B: B goes live when A confirms; the listener's channel switches
    // without a renegotiation.
    const negotiations = await ru_listener.evaluate(() => window.podium.session().negotiations);
    await command(interp_a, 'request-handover', { participant: interp_b.id });
    await wait_for(() => ru_booth.textContent().then((t) => t.includes('handing over to Interpreter B')),
      'the moderator sees the handover under way');
    const confirmed_at = Date.now();
    await command(interp_a, 'confirm-handover');
    const after_handover = await expect_levels(ru_listener,
      (l) => l.f660 > l.f880 + 20 && l.f660 > l.f440 + 6, 'hears interpreter B (660 Hz) instead of A', 50);
    // From the confirmation to the analyser showing B (includes its smoothing): not asserted.
    const switch_ms = Date.now() - confirmed_at;
    assert.equal(await ru_listener.evaluate(() => window.podium.session().negotiations), negotiations,
      'the handover needed no new offer');
    await wait_for(() => ru_booth.textContent().then((t) => t.includes('Interpreter B is live') &&
      t.includes('standby: Interpreter A')), 'the moderator sees B live and A on standby');

    // The listener raises the floor under the interpretation from 20 % to 100 %.
    const floor_gain = () => ru_listener.evaluate(() => window.podium_listening.describe().floor_gain);
    assert.ok(Math.abs(await floor_gain() - 0.2) < 0.01, `the default floor level: ${await floor_gain()}`);
    await ru_listener.getByTestId('floor-level').evaluate((input) => {
      input.value = '100';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const floor_raised = await expect_levels(ru_listener,
      (l) => l.f660 > l.noise + 30 && l.f440 > after_handover.f440 + 6,
      'the floor under the interpretation at the chosen 100 %', 50);
    await wait_for(async () => Math.abs(await floor_gain() - 1) < 0.01, 'the floor gain is the chosen 100 %');

    // Only what each choice needs: the Russian listener receives one audio track more
    // than the floor listener (the channel), the floor listener no channel at all.
    const receiving_audio = (p) => p.evaluate(() => window.podium.session().peer_connection
      .getTransceivers().filter((t) => t.receiver.track.kind === 'audio' && !t.stopped &&
        (t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv')).length);
    assert.equal(await floor_listener.evaluate(() => window.podium.session().channel_track.value), null);
    assert.equal(await receiving_audio(ru_listener), await receiving_audio(floor_listener) + 1,
      'the channel is the only extra audio track');

    // Back to the floor: the listener hears the speaker alone at full level.
    const back_at = Date.now();
    await ru_listener.getByTestId('listen-language').selectOption('floor');
    await expect_levels(ru_listener, (l) => l.f440 > l.noise + 30 && l.f660 < l.f440 - 30,
      'back on the floor: 440 Hz only', 50);
    const to_floor_ms = Date.now() - back_at;
    assert.ok(to_floor_ms < 1000, `the floor heard ${to_floor_ms} ms after the pick`);

    if (process.env.PODIUM_E2E_REPORT) {
      console.log('interpretation levels (dB):', JSON.stringify({ on_floor, in_ru, after_handover, floor_raised }),
        `handover heard after ${switch_ms} ms, Russian after ${to_language_ms} ms, the floor after ${to_floor_ms} ms`);
    }
    assert_no_page_errors(assert, pages);
  });
});
