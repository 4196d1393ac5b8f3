// Live agenda edits and the press timeline from the start, in the browser app (/app/):
// the moderator goes live, a press member watches; the moderator adds an agenda item and
// renames another from the host controls, and the press member's stage shows the new
// agenda at once. A second press member who joins afterwards sees, in the timeline, what
// happened before they came (the conference going live), loaded from the stored timeline.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { assert_no_page_errors, conference_name, launch_browser, mint_token, wait_for } from './lib/harness.mjs';
import { command, open } from './lib/interpretation.mjs';

describe('live agenda and the timeline from the start', () => {
  let browser;
  const pages = [];
  after(async () => { await browser?.close().catch(() => undefined); });

  it('everyone sees agenda edits at once; late press see the timeline from the start', async () => {
    browser = await launch_browser();
    const conference = conference_name('agenda');
    const token = (name, role) => mint_token(conference, name, role);
    const mod = await open(browser, token('Chair', 'moderator'), 'moderator');
    pages.push(mod);
    await command(mod, 'go-live');
    await command(mod, 'add-item', { title: 'Opening', planned_ms: 60000 });
    const press = await open(browser, token('Reporter', 'press'), 'press');
    pages.push(press);
    const titles = (page) => page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=agenda-view] li > span:first-child')].map((e) => e.textContent));
    await wait_for(async () => (await titles(press)).join('|') === 'Opening', 'press: the planned agenda');

    // The moderator adds an item and renames the first from the host controls.
    await mod.locator('[data-testid=new-item-title]').fill('Urgent statement');
    await mod.locator('[data-testid=add-item]').click();
    await mod.locator('[data-item=i1] [data-testid=edit-item]').click();
    await mod.locator('[data-testid=item-title]').fill('Opening words');
    await mod.locator('[data-testid=save-item]').click();
    await wait_for(async () => (await titles(press)).join('|') === 'Opening words|Urgent statement',
      'press: the edited agenda');
    await mod.locator('[data-item=i2] [aria-label="Move Urgent statement up"]').click();
    await wait_for(async () => (await titles(press)).join('|') === 'Urgent statement|Opening words',
      'press: the reordered agenda');

    // Joined after all that: the timeline still starts with the conference going live.
    const late = await open(browser, token('Late reporter', 'press'), 'late press');
    pages.push(late);
    const live_entry = () => late.evaluate(() =>
      document.querySelector('[data-testid=timeline] li[data-type=conference_state_changed]')?.textContent ?? null);
    const text = await wait_for(live_entry, 'late press: the timeline from before they joined');
    assert.match(text, /live/i);
    assert_no_page_errors(assert, pages);
  });
});
