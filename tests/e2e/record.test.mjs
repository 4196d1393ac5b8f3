// Recording and the conference record, end to end in Chromium: two speakers (the app
// with Chromium's fake microphone) take the floor in turn while the organizer records
// over REST. Then, as a journalist would:
//   - the record (GET .../record) lists both speeches, in order, with start and end
//     within 1 s of the floor events of the timeline and of when the moderator's
//     commands returned;
//   - each speech's playback link plays the program recording by URL alone and a
//     <video> seeks it to the speech's start (the #t= media fragment) with the offset
//     measured from when recording started;
//   - the press kit ZIP holds record.json, index.html and the program file, and its
//     index.html, opened from the unpacked folder, renders in Chromium with both
//     speeches, its links pointing at the packed file, fetching nothing else
//     (screenshot: docs/screenshots/press-kit-index.png).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  assert_no_page_errors, conference_name, launch_browser, mint_token, server_url, wait_for,
} from './lib/harness.mjs';
import { command, create_conference, open } from './lib/interpretation.mjs';

const kPassword = 'record-password-1';
const kShots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const kTurnMs = 3000;

async function api(token, path, init = {}) {
  const response = await fetch(`${server_url()}${path}`, {
    ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
  return response;
}

async function api_json(token, path, init = {}) {
  const response = await api(token, path, init);
  const text = await response.text();
  assert.ok(response.ok, `${init.method ?? 'GET'} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text);
}

const near = (actual_ms, expected_ms, what, tolerance_ms = 1000) => assert.ok(
  Math.abs(actual_ms - expected_ms) <= tolerance_ms,
  `${what}: ${new Date(actual_ms).toISOString()} vs ${new Date(expected_ms).toISOString()} ` +
  `(${actual_ms - expected_ms} ms)`);

describe('recording and the conference record', () => {
  let dir;
  let browser;
  const pages = [];

  before(() => { dir = mkdtempSync(join_path(tmpdir(), 'podium-record-')); });
  after(async () => {
    await browser?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('two speeches in turn: the record matches the floor, its links seek the program, the ZIP page renders', async () => {
    const conference = conference_name('record');
    const organizer = await create_conference(conference, ['en', 'ru'], 'en', kPassword);
    browser = await launch_browser();
    const token = (name, role) => mint_token(conference, name, role);

    const mod = await open(browser, token('Moderator', 'moderator'), 'moderator');
    pages.push(mod);
    await command(mod, 'open');
    await command(mod, 'go-live');
    const alice = await open(browser, token('Alice Speaker', 'speaker'), 'alice');
    const bob = await open(browser, token('Bob Speaker', 'speaker'), 'bob');
    pages.push(alice, bob);
    await command(mod, 'start-item', { item: 'opening' });

    const recording_requested = Date.now();
    assert.equal((await api_json(organizer, `/api/v1/conferences/${conference}/recording`,
      { method: 'POST' })).recording, true);
    // Everyone sees that the conference is recorded.
    for (const p of pages) {
      await wait_for(() => p.getByTestId('recording').isVisible(), `${p.label} sees the recording badge`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const granted = {};
    granted.alice = Date.now();
    await command(mod, 'grant-floor', { participant: alice.id });
    await new Promise((resolve) => setTimeout(resolve, kTurnMs));
    granted.bob = Date.now();
    await command(mod, 'grant-floor', { participant: bob.id });
    await new Promise((resolve) => setTimeout(resolve, kTurnMs));
    const bob_released = Date.now();
    await command(mod, 'revoke-floor');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await api_json(organizer, `/api/v1/conferences/${conference}/recording`,
      { method: 'DELETE' })).recording, false);

    // The program recording, complete.
    const program = await wait_for(async () => {
      const { recordings } = await api_json(organizer, `/api/v1/conferences/${conference}/recordings`);
      const p = recordings.find((r) => r.kind === 'program');
      return p && p.status === 'complete' ? p : null;
    }, 'the program recording is complete');
    near(program.started_ms, recording_requested, 'the program recording starts when asked');

    // The floor events of the timeline.
    const { events } = await api_json(organizer, `/api/v1/conferences/${conference}/timeline?limit=1000`);
    const floor = events.filter((e) => e.type === 'floor_granted');
    assert.deepEqual(floor.map((e) => e.participant), [alice.id, bob.id]);
    const released = events.filter((e) => e.type === 'floor_released');
    assert.equal(released.length, 2, JSON.stringify(released));

    // The record: both speeches, at the floor events' times, seeking into the program.
    const record = await api_json(organizer, `/api/v1/conferences/${conference}/record`);
    assert.equal(record.speeches.length, 2, JSON.stringify(record.speeches));
    const [first, second] = record.speeches;
    assert.equal(first.speaker.name, 'Alice Speaker');
    assert.equal(second.speaker.name, 'Bob Speaker');
    const checks = [
      [first, floor[0], released[0], granted.alice, granted.bob],
      [second, floor[1], released[1], granted.bob, bob_released],
    ];
    const offsets = [];
    for (const [speech, grant, release, commanded, ended] of checks) {
      const who = speech.speaker.name;
      near(Date.parse(speech.started_at), grant.at, `${who}: start vs floor_granted`);
      near(Date.parse(speech.ended_at), release.at, `${who}: end vs floor_released`);
      near(Date.parse(speech.started_at), commanded, `${who}: start vs the grant command`);
      near(Date.parse(speech.ended_at), ended, `${who}: end vs the next command`);
      assert.ok(speech.playback, `${who}: a playback link`);
      assert.equal(speech.playback.recording, program.id);
      const expected_offset_s = (commanded - program.started_ms) / 1000;
      assert.ok(Math.abs(speech.playback.offset_s - expected_offset_s) <= 1,
        `${who}: offset ${speech.playback.offset_s} s, expected ≈ ${expected_offset_s} s`);
      const fragment = new URL(speech.playback.url, server_url()).hash;
      assert.ok(/^#t=[0-9.]+$/.test(fragment) &&
        Math.abs(Number(fragment.slice(3)) - speech.playback.offset_s) < 0.05,
      `${who}: ${speech.playback.url} seeks to ${speech.playback.offset_s} s`);
      offsets.push(speech.playback.offset_s);
    }
    assert.ok(offsets[1] - offsets[0] >= kTurnMs / 1000 - 1, `turns apart: ${offsets}`);

    // Each link, as it is (a signed URL, no credentials), in a <video>: it plays from the
    // speech's start.
    const player = await browser.newPage();
    await player.goto(`${server_url()}/app/`, { waitUntil: 'domcontentloaded' });
    for (const speech of record.speeches) {
      const seeked = await player.evaluate(async (url) => {
        const video = document.createElement('video');
        video.muted = true;
        video.preload = 'auto';
        document.body.append(video);
        const ready = new Promise((resolve, reject) => {
          video.addEventListener('loadedmetadata', () => resolve(), { once: true });
          video.addEventListener('error', () => reject(new Error(`media error ${video.error?.code}`)), { once: true });
        });
        video.src = url;
        await ready;
        const result = { current: video.currentTime, duration: video.duration };
        video.remove();
        return result;
      }, new URL(speech.playback.url, server_url()).href);
      assert.ok(Math.abs(seeked.current - speech.playback.offset_s) < 0.1,
        `${speech.speaker.name}: the player starts at ${seeked.current} s, the speech at ${speech.playback.offset_s} s`);
      assert.ok(seeked.duration >= speech.playback.offset_s + 1,
        `the program (${seeked.duration} s) covers ${speech.speaker.name}'s speech`);
    }
    await player.close();

    // The press kit.
    const zip = await api(organizer, `/api/v1/conferences/${conference}/record.zip`);
    assert.equal(zip.status, 200);
    const kit = join_path(dir, 'press-kit.zip');
    writeFileSync(kit, Buffer.from(await zip.arrayBuffer()));
    execFileSync('unzip', ['-t', '-q', kit], { encoding: 'utf8' });
    const unpacked = join_path(dir, 'kit');
    execFileSync('unzip', ['-q', kit, '-d', unpacked]);
    const program_file = `program-${program.id}.webm`;
    for (const name of ['record.json', 'index.html', program_file]) {
      assert.ok(existsSync(join_path(unpacked, name)), `the kit holds ${name}`);
    }
    assert.equal(statSync(join_path(unpacked, program_file)).size, program.bytes, 'the recording, byte for byte');

    // index.html from the folder, offline: it renders the speeches and needs nothing else.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    page.podium_errors = [];
    page.on('pageerror', (error) => page.podium_errors.push(`index.html: ${error.message}`));
    page.label = 'index.html';
    await page.goto(pathToFileURL(join_path(unpacked, 'index.html')).href, { waitUntil: 'load' });
    const view = await page.evaluate(() => ({
      title: document.title,
      text: document.body.innerText,
      height: document.body.scrollHeight,
      links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    }));
    for (const name of ['Alice Speaker', 'Bob Speaker']) {
      assert.ok(view.text.includes(name), `index.html shows ${name}: ${view.text.slice(0, 400)}`);
    }
    assert.ok(view.height > 300, `index.html lays out a page (${view.height} px)`);
    const seek_links = view.links.filter((h) => h.startsWith(`${program_file}#t=`));
    assert.equal(seek_links.length, 2, `a link per speech into ${program_file}: ${JSON.stringify(view.links)}`);
    seek_links.forEach((h, i) => assert.ok(Math.abs(Number(h.split('#t=')[1]) - offsets[i]) < 0.05,
      `${h} seeks to ${offsets[i]} s`));
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'index.html fetches nothing');
    mkdirSync(kShots, { recursive: true });
    const shot = await page.screenshot({ path: join_path(kShots, 'press-kit-index.png'), fullPage: true });
    assert.ok(shot.length > 10000, `the screenshot shows a page (${shot.length} bytes)`);
    pages.push(page);
    await context.close();

    assert_no_page_errors(assert, pages);
  });
});
