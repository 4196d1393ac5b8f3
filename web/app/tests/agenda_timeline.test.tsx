// Live agenda editing in the host controls, agenda_changed on everyone's stage, and the
// press timeline merged from the stored pages (REST) and the live events.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { load_timeline_page } from '../src/api/timeline';
import { AgendaEditor } from '../src/components/AgendaEditor';
import { set_locale } from '../src/i18n/i18n';
import type { Role, ServerMessage } from '../src/protocol/signaling.gen';
import { Session } from '../src/rtc/session';
import { ConferenceStore } from '../src/state/conference_store';

let seq = 100;
const event = (type: string, fields: Record<string, unknown> = {}): ServerMessage =>
  ({ type: 'event', event: { seq: ++seq, at: 1746090000000 + seq * 1000, type, audience: 'everyone', ...fields } }) as unknown as ServerMessage;

function joined(role: Role): ConferenceStore {
  const store = new ConferenceStore();
  store.begin_join(false);
  store.apply({
    type: 'welcome', version: 1, conference: 'demo',
    participant: { id: 'p1', name: 'Me', role },
    permissions: { publish: false },
    participants: [], tracks: [],
    state: {
      conference: 'live', title: 'Partnership', settings: {},
      participants: [{ id: 'p1', name: 'Me', role, presence: 'present' }],
      agenda: [
        { id: 'i1', title: 'Opening', speakers: [], planned_ms: 180000, language: '', status: 'running' },
        { id: 'i2', title: 'Reply', speakers: [], planned_ms: 180000, language: '', status: 'pending' },
      ],
      running_item: 'i1', floor: null, queue: [], chat: [], questions: [],
    } as never,
  });
  return store;
}

let root: HTMLElement;
function el<T extends HTMLElement>(selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`no ${selector}`);
  return found;
}
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  set_locale('en');
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.restoreAllMocks();
});

describe('live agenda', () => {
  it('a host adds, edits, moves and removes items with one command each', async () => {
    const store = joined('moderator');
    const session = new Session(store, 'ws://127.0.0.1:1/rtc', 'x', null);
    const sent: [string, unknown][] = [];
    vi.spyOn(session, 'command').mockImplementation((command, args = {}) => {
      sent.push([command, args]);
      return Promise.resolve({ ok: true });
    });
    act(() => render(<AgendaEditor store={store} session={session} start_item={() => Promise.resolve()} />, root));
    const input = (id: string) => el<HTMLInputElement>(`[data-testid=${id}]`);

    act(() => {
      input('new-item-title').value = 'Urgent statement';
      input('new-item-title').dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => {
      el<HTMLFormElement>('[data-testid=add-item-form]').dispatchEvent(new Event('submit', { cancelable: true }));
      await Promise.resolve();
    });
    expect(sent.at(-1)).toEqual(['add-item', { title: 'Urgent statement', planned_ms: 300000 }]);

    // The running item cannot be removed; the pending one can, and moves up.
    expect(el<HTMLButtonElement>('[data-item=i1] [data-testid=remove-item]').disabled).toBe(true);
    act(() => el<HTMLButtonElement>('[data-item=i2] [data-testid=remove-item]').click());
    expect(sent.at(-1)).toEqual(['remove-item', { item: 'i2' }]);
    act(() => el<HTMLButtonElement>('[data-item=i2] [aria-label="Move Reply up"]').click());
    expect(sent.at(-1)).toEqual(['move-item', { item: 'i2', index: 0 }]);

    act(() => el<HTMLButtonElement>('[data-item=i2] [data-testid=edit-item]').click());
    act(() => {
      input('item-title').value = 'Reply of the delegation';
      input('item-title').dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => {
      el<HTMLButtonElement>('[data-testid=save-item]').click();
      await Promise.resolve();
    });
    expect(sent.at(-1)).toEqual(['edit-item', { item: 'i2', title: 'Reply of the delegation', planned_ms: 180000 }]);
  });

  it('everyone\'s agenda follows agenda_changed at once', () => {
    const store = joined('attendee');
    store.apply(event('agenda_changed', {
      by: 'p9',
      agenda: [
        { id: 'i2', title: 'Reply', speakers: [], planned_ms: 0, language: '', status: 'pending' },
        { id: 'i3', title: 'Urgent statement', speakers: [], planned_ms: 120000, language: '', status: 'pending' },
        { id: 'i1', title: 'Opening', speakers: [], planned_ms: 0, language: '', status: 'running' },
      ],
    }));
    expect(store.model.agenda.value.map((i) => i.title)).toEqual(['Reply', 'Urgent statement', 'Opening']);
    expect(store.model.current_item.value?.id).toBe('i1');
  });
});

describe('timeline from the start', () => {
  it('merges stored pages with live events, once each and in order', () => {
    const store = joined('press');
    const m = store.model;
    store.apply(event('floor_granted', { participant: 'p1' }));  // live, after the join
    const live_seq = seq;
    m.add_history([
      { seq: 3, at: 1, type: 'conference_state_changed', audience: 'everyone', to: 'live' },
      { seq: 7, at: 2, type: 'agenda_item_started', audience: 'everyone', item: 'i1' },
      { seq: live_seq, at: 3, type: 'floor_granted', audience: 'everyone', participant: 'p1' },
      { seq: 8, at: 2, type: 'chat_message_sent', audience: 'everyone' },  // not a timeline event
    ], 12);
    expect(m.timeline.value.map((e) => e.seq)).toEqual([3, 7, live_seq]);
    expect(m.timeline_before.value).toBe(12);
    m.add_history([{ seq: 1, at: 0, type: 'conference_state_changed', audience: 'everyone', to: 'open' }], null);
    expect(m.timeline.value.map((e) => e.seq)).toEqual([1, 3, 7, live_seq]);
    expect(m.timeline_before.value).toBeNull();
  });

  it('asks the REST timeline with the join token, page by page', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fake = ((url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return Promise.resolve(new Response(JSON.stringify({ events: [{ seq: 1 }], next_before: 5 }), { status: 200 }));
    }) as unknown as typeof fetch;
    const page = await load_timeline_page('demo room', 'tok', null, 100, fake);
    expect(page).toEqual({ events: [{ seq: 1 }], next_before: 5 });
    await load_timeline_page('demo room', 'tok', 5, 50, fake);
    expect(calls.map((c) => c[0])).toEqual([
      '/api/v1/conferences/demo%20room/timeline?limit=100',
      '/api/v1/conferences/demo%20room/timeline?limit=50&before=5',
    ]);
    expect(calls[0]?.[1]?.headers).toEqual({ Authorization: 'Bearer tok' });
    const refused = (() => Promise.resolve(new Response('{}', { status: 403 }))) as unknown as typeof fetch;
    await expect(load_timeline_page('demo', 'tok', null, 100, refused)).rejects.toThrow('403');
  });
});
