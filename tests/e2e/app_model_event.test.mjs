// The model event, played in the browser app (/app/) by six people, with Chromium's
// fake devices against the real server:
//   the organizer logs in to the console, creates the conference and its agenda,
//   invites a moderator, two speakers, an attendee and a press member (personal links
//   read from the console); the moderator opens, the others join, the moderator goes
//   live and starts the agenda items: each gives the floor to its speaker, and the
//   attendee's and the press member's stage shows that speaker (the decoded frames of
//   the large video have the speaker's camera colour: each speaker's browser captures
//   a solid-colour .y4m made with ffmpeg); the attendee asks a question and raises a
//   hand, the moderator gives it the floor (promotion: the attendee publishes and the
//   press sees it), then demotes it (it stops publishing); the question is answered;
//   the conference ends for everyone.
// Played once in English (with screenshots of each screen at desktop and phone width;
// into docs/screenshots/ when PODIUM_E2E_SCREENSHOTS=1, else into the run's temp dir so
// a test run leaves the checkout as it was) and once in Hebrew, checking the
// right-to-left layout.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as join_path } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assert_no_page_errors, conference_name, launch_browser, server_url, wait_for,
} from './lib/harness.mjs';

const kDocShots = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
let kShots = kDocShots;  // set per run in before()
const kDesktop = { width: 1280, height: 800 };
const kPhone = { width: 390, height: 844 };
const kPassword = 'model-event-password-1';

// A solid-colour camera: 1 s of 640x480 at 10 fps, looped by Chromium. The app
// publishes it as two simulcast streams, 240 and 480 rows.
function make_y4m(dir, name, colour) {
  const file = join_path(dir, `${name}.y4m`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i',
    `color=c=${colour}:s=640x480:r=10`, '-frames:v', '10', '-pix_fmt', 'yuv420p', '-y', file],
  { timeout: 20000 });
  return file;
}

function create_organizer(email) {
  execFileSync(process.env.PODIUM_BIN, ['admin', 'create-organizer', '--email', email,
    '--password-stdin', '--data-dir', process.env.PODIUM_DATA_DIR],
  { input: `${kPassword}\n`, encoding: 'utf8', timeout: 20000 });
}

async function open(browser, url, label, locale) {
  const context = await browser.newContext({ viewport: kDesktop, locale, permissions: ['clipboard-write'] });
  const page = await context.newPage();
  page.podium_errors = [];
  page.on('pageerror', (error) => page.podium_errors.push(`${label}: ${error.message}`));
  page.on('console', (msg) => {
    if (process.env.PODIUM_E2E_VERBOSE) console.log(`[${label}] ${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error' && !/favicon|status of 4\d\d/.test(msg.text())) {
      page.podium_errors.push(`${label}: console error: ${msg.text()}`);
    }
  });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  page.label = label;
  return page;
}

async function shoot(page, name, enabled) {
  if (!enabled) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join_path(kShots, `${name}-desktop.png`) });
  await page.setViewportSize(kPhone);
  await page.waitForTimeout(150);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join_path(kShots, `${name}-phone.png`) });
  await page.setViewportSize(kDesktop);
}

const store_value = (page, expr) => page.evaluate(`(() => { const s = window.podium.store; return ${expr}; })()`);

async function join(page) {
  await page.locator('.prejoin-form button[type=submit]').click();
  await wait_for(() => store_value(page, "s.status.value === 'joined'"), `${page.label}: joined`);
  return store_value(page, 's.me.value.id');
}

// Mean colour of the large stage video, from its decoded frames drawn on a canvas.
async function featured_colour(page) {
  return page.evaluate(() => {
    const video = document.querySelector('.featured video');
    const participant = video?.closest('.tile')?.dataset.participant;
    if (!video || video.readyState < 2 || video.videoWidth === 0) {
      return video ? { participant, ready: video.readyState, tracks: video.srcObject?.getTracks().length ?? 0 } : null;
    }
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 24;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, 32, 24);
    const data = ctx.getImageData(0, 0, 32, 24).data;
    let r = 0; let g = 0; let b = 0;
    for (let i = 0; i < data.length; i += 4) { r += data[i]; g += data[i + 1]; b += data[i + 2]; }
    const n = data.length / 4;
    return { r: r / n, g: g / n, b: b / n, participant };
  });
}

// What each remote tile with a picture shows and decodes. The app reports the height at which it
// shows each video (video-size) and the server sends the smallest simulcast stream at
// least that tall (the 480-row one when the tile is taller than 240 rows).
async function expect_streams_fit_tiles(page, what) {
  let last = null;
  await wait_for(async () => {
    last = await page.evaluate(() => [...document.querySelectorAll('.tile:not(.self) video')]
      .filter((v) => v.srcObject && v.srcObject.getVideoTracks().length > 0)
      .map((v) => ({ participant: v.closest('.tile').dataset.participant, shown: v.clientHeight, decoded: v.videoHeight }))
      // A publisher the floor holds back sends nothing: no picture to check.
      .filter((t) => t.decoded > 0));
    return last.length > 0 && last.every((t) => t.decoded === (t.shown <= 240 ? 240 : 480)) && last;
  }, `${page.label}: ${what}`).catch((error) => {
    error.message += `\n  tiles: ${JSON.stringify(last)}`;
    throw error;
  });
  return last;
}

const is_red = (c) => c && c.r > 150 && c.g < 90 && c.b < 90;
const is_blue = (c) => c && c.b > 150 && c.r < 90 && c.g < 90;

async function expect_stage(page, participant, colour_ok, what) {
  let last = null;
  try {
    await wait_for(async () => {
      last = await featured_colour(page);
      return last && last.participant === participant && colour_ok(last) ? last : null;
    }, `${page.label}: the stage shows ${what}`);
  } catch (error) {
    const seen = await page.evaluate(() => {
      const s = window.podium.store;
      const session = window.podium.session();
      return {
        tracks: [...s.tracks.value.values()], streams: [...(session?.streams.value.keys() ?? [])],
        pc: session?.peer_connection?.connectionState, negotiations: session?.negotiations,
        transceivers: session?.peer_connection?.getTransceivers().map((t) => [t.mid, t.direction, t.currentDirection]),
      };
    }).catch(() => null);
    error.message += `\n  last frame: ${JSON.stringify(last)}\n  page: ${JSON.stringify(seen)}`;
    throw error;
  }
}

function model_event(locale) {
  const english = locale === 'en';
  const conference = conference_name(`model-${locale}`);
  const email = `chair-${conference}@example.org`;
  let work;
  let browser;   // organizer, moderator, red speaker, attendee, press: red camera
  let blue;      // the second speaker: blue camera
  const pages = [];

  before(async () => {
    work = mkdtempSync(join_path(tmpdir(), 'podium-model-'));
    const red_file = make_y4m(work, 'red', 'red');
    const blue_file = make_y4m(work, 'blue', 'blue');
    kShots = process.env.PODIUM_E2E_SCREENSHOTS === '1' ? kDocShots : join_path(work, 'screenshots');
    mkdirSync(kShots, { recursive: true });
    create_organizer(email);
    browser = await launch_browser({ args: [`--use-file-for-fake-video-capture=${red_file}`] });
    blue = await launch_browser({ args: [`--use-file-for-fake-video-capture=${blue_file}`] });
  });

  after(async () => {
    await browser?.close();
    await blue?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`plays the model event (${locale})`, async () => {
    const base = server_url();
    const started = Date.now();
    // --- the organizer's console -------------------------------------------------
    const org = await open(browser, `${base}/app/organizer`, 'organizer', locale);
    pages.push(org);
    await shoot(org, 'console-login', english);
    await org.getByTestId('login-email').fill(email);
    await org.getByTestId('login-password').fill(kPassword);
    await org.getByTestId('login').click();
    await org.getByTestId('new-conference').click();
    await org.getByTestId('conf-name').fill(conference);
    await org.getByTestId('conf-title').fill(english ? 'Partnership between two parliaments' : 'שותפות בין שני פרלמנטים');
    await org.getByTestId('conf-registration').selectOption('open');
    for (const [title, speaker] of [['Opening statement', 'Speaker Red'], ['Reply', 'Speaker Blue'], ['Questions', '']]) {
      await org.getByTestId('add-item').click();
      await org.getByTestId('item-title').last().fill(title);
      if (speaker) await org.getByTestId('item-speakers').last().fill(speaker);
      await org.getByTestId('item-minutes').last().fill('3');
    }
    // Reorder by dragging with the mouse: "Questions" to the top and back to the end.
    const rows = org.locator('[data-testid=agenda-builder] li');
    await rows.nth(2).dragTo(rows.nth(0));
    assert.equal(await org.getByTestId('item-title').nth(0).inputValue(), 'Questions');
    await rows.nth(0).dragTo(rows.nth(2));
    assert.equal(await org.getByTestId('item-title').nth(2).inputValue(), 'Questions');
    // Reorder with the keyboard buttons: "Questions" up and back down.
    await org.locator('[data-testid=agenda-builder] li').nth(2).locator('button').first().click();
    assert.equal(await org.getByTestId('item-title').nth(1).inputValue(), 'Questions');
    await org.locator('[data-testid=agenda-builder] li').nth(1).locator('button').nth(1).click();
    assert.equal(await org.getByTestId('item-title').nth(2).inputValue(), 'Questions');
    await org.getByTestId('save-conference').click();
    await wait_for(async () => {
      const refused = org.locator('[data-testid=conference-editor] [role=alert]');
      if (await refused.count()) throw new Error(`save refused: ${await refused.textContent()}`);
      return org.getByTestId('saved').isVisible();
    }, 'organizer: conference saved');
    const agenda = (await (await fetch(`${base}/api/v1/conferences/${conference}`, {
      headers: { Authorization: `Bearer ${await org.evaluate(() => sessionStorage.getItem('podium.organizer'))}` },
    })).json()).agenda;
    assert.deepEqual(agenda.map((i) => [i.title, i.speakers, i.planned_ms]), [
      ['Opening statement', ['Speaker Red'], 180000], ['Reply', ['Speaker Blue'], 180000], ['Questions', [], 180000]]);
    const registration_link = await org.getByTestId('registration-link').inputValue();
    assert.equal(registration_link, `${base}/app/register?conference=${conference}`);
    // Someone from the public signs up through that link and gets a join link; the
    // console lists who registered.
    const visitor = await open(browser, registration_link, 'visitor', locale);
    pages.push(visitor);
    await visitor.locator('input[type=text]').fill('Visitor Vera');
    await visitor.locator('input[type=email]').fill(`vera-${locale}@example.org`);
    await visitor.locator('button[type=submit]').click();
    assert.match(await visitor.locator('[role=status] a').getAttribute('href') ?? '', new RegExp(`^${base}/app/\\?token=`));
    await org.getByTestId('registrations').locator('button').first().click();
    await wait_for(async () => (await org.getByTestId('registrations').textContent()).includes('Visitor Vera'),
      'organizer: who registered is listed');
    await visitor.context().close();

    const links = {};
    for (const [name, role] of [['Moderator Mia', 'moderator'], ['Speaker Red', 'speaker'],
      ['Speaker Blue', 'speaker'], ['Attendee Ali', 'attendee'], ['Press Pat', 'press']]) {
      await org.getByTestId('invite-name').fill(name);
      await org.getByTestId('invite-role').selectOption(role);
      await org.getByTestId('invite').click();
      const item = org.locator(`[data-invitation="${name}"]`);
      links[role === 'speaker' ? name : role] = await item.getByTestId('join-link').inputValue();
    }
    assert.match(links.moderator, new RegExp(`^${base}/app/\\?token=`));
    await shoot(org, 'console', english);

    // --- the panel joins the green room; the moderator opens --------------------------
    const mod = await open(browser, links.moderator, 'moderator', locale);
    pages.push(mod);
    await mod.locator('.prejoin video').waitFor();
    await shoot(mod, 'prejoin', english);
    const mod_id = await join(mod);
    const red = await open(browser, links['Speaker Red'], 'speaker-red', locale);
    const blu = await open(blue, links['Speaker Blue'], 'speaker-blue', locale);
    pages.push(red, blu);
    const red_id = await join(red);
    const blue_id = await join(blu);
    assert.equal(await store_value(mod, 's.model.state.value'), 'scheduled');
    await mod.getByTestId('open').click();
    await wait_for(() => store_value(mod, "s.model.state.value === 'open'"), 'conference open');

    const att = await open(browser, links.attendee, 'attendee', locale);
    pages.push(att);
    const att_id = await join(att);
    // Time from opening a join link to seeing the stage: page load, pre-join with the
    // camera, Join, welcome, negotiation, first decoded frame of the large video.
    const opened_at = Date.now();
    const press = await open(browser, links.press, 'press', locale);
    pages.push(press);
    await join(press);
    const joined_ms = Date.now() - opened_at;
    await wait_for(async () => (await featured_colour(press))?.r !== undefined, 'press: first frame on the stage');
    console.log(`# ${locale}: join link → joined ${joined_ms} ms, → first stage frame ${Date.now() - opened_at} ms`);
    assert.equal(await store_value(att, 's.may_publish.value'), false);
    // The audience is a head count, not tiles: the attendee and the press do not see each
    // other, a speaker's strip shows the panel, and the moderator lists everyone.
    const press_id = await store_value(press, 's.me.value.id');
    for (const [p, other] of [[att, press_id], [press, att_id]]) {
      await wait_for(async () => /\b2\b/.test(await p.getByTestId('audience').textContent()), `${p.label}: an audience of 2`);
      assert.equal(await store_value(p, `s.participants.value.has('${other}')`), false, `${p.label} sees ${other}`);
    }
    await wait_for(() => store_value(red, 's.audience.value === 2'), 'speaker red: an audience of 2');
    assert.equal(await red.locator(`.strip [data-participant="${att_id}"]`).count(), 0, 'an attendee tile in the strip');
    await mod.locator(`[data-testid=people] [data-participant="${att_id}"]`).waitFor();

    await mod.getByTestId('go-live').click();
    await wait_for(() => store_value(press, "s.model.state.value === 'live'"), 'press sees live');

    // --- two speakers speak in turn ---------------------------------------------------
    await mod.locator('[data-item=i1] [data-testid=start-item]').click();
    for (const p of [att, press]) {
      await wait_for(() => store_value(p, `s.model.floor.value?.participant === '${red_id}'`), `${p.label}: Red has the floor`);
      await expect_stage(p, red_id, is_red, 'Speaker Red (red frames)');
    }
    await wait_for(async () => (await red.getByTestId('my-floor').getAttribute('class'))?.includes('live'), 'red: you are live');
    assert.ok(await red.getByTestId('yield').isVisible());
    await wait_for(async () => (await press.getByTestId('timeline').textContent()).includes('Opening statement'), 'press timeline: item');
    // Device switching while live: the new camera track goes into the same sender, with
    // no renegotiation, and the audience keeps seeing the speaker.
    const switched = await red.evaluate(async () => {
      const session = window.podium.session();
      const before = session.negotiations;
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      const track = stream.getVideoTracks()[0];
      await session.replace_track(track);
      const senders = session.peer_connection.getSenders();
      return { before, after: session.negotiations, in_sender: senders.some((s) => s.track === track) };
    });
    assert.deepEqual(switched, { before: switched.before, after: switched.before, in_sender: true });
    await expect_stage(press, red_id, is_red, 'Speaker Red after switching the camera');
    await shoot(red, 'stage-speaker', english);
    await shoot(mod, 'stage-moderator', english);

    await mod.locator('[data-item=i2] [data-testid=start-item]').click();
    for (const p of [att, press]) {
      await wait_for(() => store_value(p, `s.model.floor.value?.participant === '${blue_id}'`), `${p.label}: Blue has the floor`);
      await expect_stage(p, blue_id, is_blue, 'Speaker Blue (blue frames)');
    }
    await shoot(press, 'stage-press', english);
    // Simulcast: Blue's large stage video and the thumbnails in the strip each get the
    // stream that fits (one of each, at the desktop size).
    const tiles = await expect_streams_fit_tiles(att, 'each tile decodes the simulcast stream that fits it');
    assert.ok(tiles.some((t) => t.participant === blue_id && t.decoded === 480), JSON.stringify(tiles));
    assert.ok(tiles.some((t) => t.decoded === 240), JSON.stringify(tiles));

    // --- the attendee asks, raises a hand, is promoted, speaks, is demoted -------------
    await att.getByTestId('question-text').fill('When will the agreement be signed?');
    await att.getByTestId('ask').click();
    await press.locator('[data-testid=qa-panel] [data-status=open] [data-testid=upvote]').click();
    await wait_for(() => store_value(mod, 's.model.questions.value[0]?.votes === 1'), 'moderator sees the upvote');
    await att.getByTestId('hand-topic').fill('On the timetable');
    await att.getByTestId('raise-hand').click();
    await att.getByTestId('my-hand').waitFor();
    await shoot(att, 'stage-attendee', english);
    await mod.locator(`[data-testid=queue] [data-participant="${att_id}"] [data-testid=grant-hand]`).click();
    await wait_for(() => store_value(att, "s.me.value.role === 'speaker' && s.may_publish.value"), 'attendee promoted');
    await wait_for(() => att.evaluate(() => window.podium.session()?.publishing.value), 'attendee publishes');
    await wait_for(() => store_value(press, `s.model.floor.value?.participant === '${att_id}'`), 'press: the attendee has the floor');
    await expect_stage(press, att_id, is_red, 'the promoted attendee');
    await mod.locator(`[data-testid=people] [data-participant="${att_id}"] [data-testid=role-select]`).selectOption('attendee');
    await wait_for(() => store_value(att, "s.me.value.role === 'attendee' && !s.may_publish.value"), 'attendee demoted');
    await wait_for(() => att.evaluate(() => window.podium.session()?.publishing.value === false), 'attendee stops publishing');
    // A demotion takes the floor back: the press sees it free again.
    await wait_for(async () => (await store_value(press, 's.model.floor.value?.participant ?? null')) !== att_id,
      'press: the demoted attendee no longer has the floor');

    // --- the question is answered, the conference ends -----------------------------
    await mod.locator('[data-testid=qa-panel] [data-testid=answered]').first().click();
    await wait_for(() => store_value(att, "s.model.questions.value[0]?.status === 'answered'"), 'attendee sees the answer');
    await mod.getByTestId('end').click();
    for (const p of [mod, red, blu, att, press]) {
      await wait_for(() => store_value(p, "s.model.state.value === 'ended'"), `${p.label}: ended`);
    }
    assert.ok((await press.getByTestId('timeline').textContent()).length > 0);

    if (locale === 'he') {
      for (const p of [org, press]) {
        assert.equal(await p.evaluate(() => document.documentElement.dir), 'rtl');
        assert.equal(await p.evaluate(() => document.documentElement.lang), 'he');
      }
      // Mirrored: the brand sits at the right edge, the language picker at the left;
      // on the stage the panels are left of the video.
      const x = (page, sel) => page.locator(sel).first().evaluate((el) => el.getBoundingClientRect().left);
      assert.ok(await x(press, '.brand') > await x(press, '.language-picker'), 'brand right of the picker');
      assert.ok(await x(press, '.stage-main') > await x(press, '.stage-side'), 'video right of the panels');
      assert.ok(await x(org, '.brand') > await x(org, '.language-picker'), 'console mirrored too');
      await press.screenshot({ path: join_path(kShots, 'stage-press-he-desktop.png') });
    } else {
      assert.equal(await press.evaluate(() => document.documentElement.dir), 'ltr');
    }
    assert_no_page_errors(assert, pages);
    if (process.env.PODIUM_E2E_VERBOSE) console.log(`model event (${locale}) took ${Date.now() - started} ms`);
  });
}

describe('the model event in the app, in English', { timeout: 150000 }, () => model_event('en'));
describe('the model event in the app, in Hebrew', { timeout: 150000 }, () => model_event('he'));
