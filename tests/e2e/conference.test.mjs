// Three speakers and an attendee in one conference through the test page
// (web/static/index.html) and signaling protocol v1.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  assert_no_page_errors, conference_name, expect_media_from, launch_browser,
  mint_token, open_page, server_url, wait_for,
} from './lib/harness.mjs';

const remote_tile_names = (page) =>
  page.$$eval('.tile.remote .name', (els) => els.map((e) => e.textContent).sort());

async function join(browser, conference, name, role) {
  const token = mint_token(conference, name, role);
  const page = await open_page(browser, `${server_url()}/?token=${encodeURIComponent(token)}`, name);
  await wait_for(() => page.evaluate(() => window.podium.state.me !== null), `${name}: welcome`);
  const id = await page.evaluate(() => window.podium.state.me.id);
  return { page, id, name };
}

describe('test page without a valid token', { timeout: 60000 }, () => {
  it('loads without script errors and reports a refused token', async () => {
    const browser = await launch_browser();
    try {
      const idle = await open_page(browser, `${server_url()}/`, 'no-token');
      assert.equal(await idle.evaluate(() => window.podium.state.status), 'idle');
      assert.equal(await idle.isEnabled('#join'), true);
      assert_no_page_errors(assert, [idle]);

      const claims = Buffer.from(JSON.stringify({ conf: 'e2e-x', name: 'Mallory', role: 'organizer' })).toString('base64url');
      const forged = `eyJhbGciOiJIUzI1NiJ9.${claims}.AAAA`;
      const refused = await open_page(browser, `${server_url()}/?token=${forged}`, 'forged');
      const status = await wait_for(async () => {
        const s = await refused.evaluate(() => window.podium.state.status);
        return s === 'error' || s === 'disconnected' ? s : null;
      }, 'forged token refused', 10000);
      assert.ok(status);
      assert.equal(await refused.evaluate(() => window.podium.state.me), null);
    } finally {
      await browser.close();
    }
  });
});

describe('conference of three speakers and an attendee', { timeout: 240000 }, () => {
  const conference = conference_name();
  let browser;
  let alice;
  let bob;
  let carol;
  let dave;
  const all_pages = () => [alice, bob, carol, dave].filter(Boolean).map((p) => p.page);

  before(async () => {
    browser = await launch_browser();
    alice = await join(browser, conference, 'Alice', 'speaker');
    bob = await join(browser, conference, 'Bob', 'speaker');
    carol = await join(browser, conference, 'Carol', 'speaker');
  });

  after(async () => {
    await browser?.close();
  });

  it('each speaker publishes and shows the two others as tiles', async () => {
    for (const me of [alice, bob, carol]) {
      const others = [alice, bob, carol].filter((p) => p !== me).map((p) => p.name).sort();
      await wait_for(async () => {
        const names = await remote_tile_names(me.page);
        return JSON.stringify(names) === JSON.stringify(others);
      }, `${me.name}: tiles of ${others.join(' and ')}`);
      const state = await me.page.evaluate(() => window.podium.state);
      assert.equal(state.publishing, true, `${me.name} publishes`);
      assert.equal(state.permissions.publish, true);
      // The answer lists the audio and the video track this page started.
      await wait_for(() => me.page.evaluate(() => window.podium.state.published.length >= 2),
        `${me.name}: answer lists its published tracks`);
      const kinds = (await me.page.evaluate(() => window.podium.state.published)).map((t) => t.kind).sort();
      assert.deepEqual(kinds, ['audio', 'video']);
    }
  });

  it('each speaker decodes video and receives audio from both others', async () => {
    for (const me of [alice, bob, carol]) {
      const others = [alice, bob, carol].filter((p) => p !== me);
      await expect_media_from(me.page, others.map((p) => p.id), me.name);
      // The remote video elements really got the streams.
      const video_tracks = await me.page.$$eval('.tile.remote video',
        (els) => els.map((v) => v.srcObject?.getVideoTracks().length ?? 0));
      assert.deepEqual(video_tracks, [1, 1], `${me.name}: one video track per remote tile`);
    }
  });

  it('when Carol leaves, Alice and Bob drop her tile and keep their media', async () => {
    await carol.page.click('#leave');
    await wait_for(() => carol.page.evaluate(() => window.podium.state.status === 'left'), 'Carol: status left');
    for (const [me, other] of [[alice, bob], [bob, alice]]) {
      await wait_for(async () => {
        const names = await remote_tile_names(me.page);
        return names.length === 1 && names[0] === other.name;
      }, `${me.name}: Carol's tile gone`, 10000);
      await wait_for(() => me.page.evaluate(
        (carol_id) => window.podium.tracks.every((t) => t.participant !== carol_id), carol.id),
      `${me.name}: Carol's tracks removed`, 10000);
    }
    // Removing Carol's tracks meant a renegotiation; media between the two goes on.
    await expect_media_from(alice.page, [bob.id], 'Alice after Carol left');
    await expect_media_from(bob.page, [alice.id], 'Bob after Carol left');
  });

  it('an attendee receives both speakers and does not publish', async () => {
    dave = await join(browser, conference, 'Dave', 'attendee');
    const state = await dave.page.evaluate(() => window.podium.state);
    assert.equal(state.permissions.publish, false);
    await wait_for(async () => {
      const names = await remote_tile_names(dave.page);
      return JSON.stringify(names) === JSON.stringify(['Alice', 'Bob']);
    }, 'Dave: tiles of Alice and Bob');
    await expect_media_from(dave.page, [alice.id, bob.id], 'Dave');

    // The page says so, sends nothing, and has no camera preview.
    assert.equal(await dave.page.getAttribute('#publish-status', 'data-publishing'), 'false');
    assert.match(await dave.page.textContent('#publish-status'), /may not publish/);
    assert.equal(await dave.page.isHidden('#local-tile'), true);
    const sending = await dave.page.evaluate(() => window.podium.pc.getTransceivers()
      .filter((t) => t.direction === 'sendonly' || t.direction === 'sendrecv').length);
    assert.equal(sending, 0);
    assert.equal((await dave.page.evaluate(() => window.podium.state)).published.length, 0);

    // The speakers see Dave join but get no track of his.
    for (const me of [alice, bob]) {
      await wait_for(() => me.page.evaluate(
        (id) => window.podium.participants.some((p) => p.id === id), dave.id), `${me.name}: sees Dave`);
      const dave_tracks = await me.page.evaluate(
        (id) => window.podium.tracks.filter((t) => t.participant === id).length, dave.id);
      assert.equal(dave_tracks, 0);
    }
  });

  it('no page had a script error or a failed negotiation', async () => {
    assert_no_page_errors(assert, all_pages());
    for (const p of [alice, bob, carol, dave]) {
      const errors = await p.page.evaluate(() => window.podium.state.errors);
      assert.deepEqual(errors, [], `${p.name}: errors recorded by the page`);
    }
  });
});
