import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PreJoin } from '../src/components/PreJoin';
import { readFileSync } from 'node:fs';
import { kAudienceShown } from '../src/components/HostPanel';
import { Stage } from '../src/components/Stage';
import { LiveRegion } from '../src/components/LiveRegion';
import { move } from '../src/components/console/AgendaBuilder';
import { set_locale } from '../src/i18n/i18n';
import type { Role, ServerMessage } from '../src/protocol/signaling.gen';
import { Session } from '../src/rtc/session';
import { ConferenceStore } from '../src/state/conference_store';
// @ts-expect-error: plain ESM script without type declarations
import { generate, kApiPath, kRestOutputPath } from '../scripts/gen-rest-types.mjs';
// @ts-expect-error: js-yaml has no bundled types
import yaml from 'js-yaml';

let seq = 0;
const event = (type: string, fields: Record<string, unknown> = {}): ServerMessage =>
  ({ type: 'event', event: { seq: ++seq, at: 1746090000000 + seq * 1000, type, ...fields } }) as unknown as ServerMessage;

// A participant who joined a live conference: the welcome's state snapshot first.
function joined(role: Role, id = 'p1'): ConferenceStore {
  const store = new ConferenceStore();
  store.begin_join(false);
  store.apply({
    type: 'welcome', version: 1, conference: 'demo',
    participant: { id, name: 'Me', role },
    permissions: { publish: role === 'speaker' || role === 'moderator' || role === 'organizer' },
    participants: [{ id: 'p2', name: 'Red', role: 'speaker' }, { id: 'p3', name: 'Blue', role: 'speaker' }],
    tracks: [{ id: 'v2', participant: 'p2', kind: 'video' }, { id: 'v3', participant: 'p3', kind: 'video' }],
    state: {
      conference: 'live', title: 'Partnership', settings: { chat: 'everyone', lobby: false },
      participants: [
        { id, name: 'Me', role, presence: 'present' },
        { id: 'p2', name: 'Red', role: 'speaker', presence: 'present' },
        { id: 'p3', name: 'Blue', role: 'speaker', presence: 'present' },
      ],
      agenda: [
        { id: 'i1', title: 'Opening', speakers: ['Red'], planned_ms: 180000, language: '', status: 'running' },
        { id: 'i2', title: 'Reply', speakers: ['Blue'], planned_ms: 180000, language: '', status: 'pending' },
      ],
      running_item: 'i1',
      floor: { participant: 'p2', remaining_ms: 90000 },
      queue: [], chat: [], questions: [{ id: 1, author: 'p3', text: 'When?', votes: 2, status: 'open' }],
    } as never,
  });
  return store;
}

describe('ConferenceModel', () => {
  it('starts from the welcome snapshot: state, agenda, floor, questions', () => {
    const store = joined('attendee');
    const m = store.model;
    expect(m.state.value).toBe('live');
    expect(m.title.value).toBe('Partnership');
    expect(m.current_item.value?.title).toBe('Opening');
    expect(m.next_item.value?.id).toBe('i2');
    expect(m.floor.value?.participant).toBe('p2');
    expect(m.remaining_ms(m.floor.value?.measured_at ?? 0)).toBe(90000);
    // The floor holder is featured, not the newest publisher (p3).
    expect(store.featured.value).toBe('p2');
    expect(m.questions.value[0]?.votes).toBe(2);
  });

  it('follows the floor, the timer and the agenda from events', () => {
    const store = joined('press');
    const m = store.model;
    store.apply(event('agenda_item_started', { item: 'i2', title: 'Reply', by: 'p9' }));
    store.apply(event('floor_granted', { participant: 'p3', allotted_ms: 120000, item: 'i2', by: 'p9' }));
    expect(m.running_item.value).toBe('i2');
    expect(store.featured.value).toBe('p3');
    expect(m.remaining_ms(m.floor.value?.measured_at ?? 0)).toBe(120000);
    store.apply(event('floor_timer_changed', { participant: 'p3', allotted_ms: 180000, remaining_ms: 150000, paused: true }));
    expect(m.floor.value?.paused).toBe(true);
    // Paused: the clock does not run.
    expect(m.remaining_ms((m.floor.value?.measured_at ?? 0) + 60000)).toBe(150000);
    store.apply(event('floor_one_minute_left', { participant: 'p3' }));
    expect(store.announcement.value?.key).toBe('announce.one_minute');
    expect(store.announcement.value?.params.name).toBe('Blue');
    store.apply(event('floor_released', { participant: 'p3', reason: 'yielded', held_ms: 1000, granted_at: 0 }));
    expect(m.floor.value).toBeNull();
    store.apply(event('agenda_item_ended', { item: 'i2', by: 'p9' }));
    expect(m.agenda.value.map((i) => i.status)).toEqual(['running', 'done']);
    // The press timeline keeps the recorded ones, in order.
    expect(m.timeline.value.map((e) => e.type)).toEqual(
      ['agenda_item_started', 'floor_granted', 'floor_released', 'agenda_item_ended']);
  });

  it('shows recording while the conference is recorded, from the welcome and from events', () => {
    const store = joined('attendee');
    const m = store.model;
    expect(m.recording.value).toBe(false);
    store.apply(event('recording_started', { by: 'p9' }));
    expect(m.recording.value).toBe(true);
    expect(store.announcement.value?.key).toBe('announce.recording_started');
    store.apply(event('recording_stopped', { by: '', reason: 'failed', detail: 'No space left on device' }));
    expect(m.recording.value).toBe(false);
    expect(store.announcement.value?.key).toBe('announce.recording_failed');
    m.load({ conference: 'live', recording: true }, 'p1');
    expect(m.recording.value).toBe(true);
  });

  it('keeps the queue in order through raise, move and lower', () => {
    const store = joined('moderator');
    const m = store.model;
    store.apply(event('hand_raised', { participant: 'p2', topic: 'budget', position: 1 }));
    store.apply(event('hand_raised', { participant: 'p3', topic: '', position: 2 }));
    expect(m.queue.value.map((q) => [q.participant, q.position])).toEqual([['p2', 1], ['p3', 2]]);
    store.apply(event('queue_reordered', { order: ['p3', 'p2'], by: 'p1' }));
    expect(m.queue.value.map((q) => [q.participant, q.position])).toEqual([['p3', 1], ['p2', 2]]);
    store.apply(event('hand_lowered', { participant: 'p3', reason: 'dismissed', by: 'p1' }));
    expect(m.queue.value.map((q) => [q.participant, q.position])).toEqual([['p2', 1]]);
    store.apply(event('participant_waiting', { participant: 'p7', name: 'Guest', role: 'attendee' }));
    expect(m.lobby.value.map((p) => p.name)).toEqual(['Guest']);
    store.apply(event('participant_admitted', { participant: 'p7', by: 'p1' }));
    expect(m.lobby.value).toEqual([]);
  });

  it('a promotion and a demotion change what we may publish', () => {
    const store = joined('attendee');
    expect(store.may_publish.value).toBe(false);
    store.apply(event('role_changed', { participant: 'p1', from: 'attendee', to: 'speaker', by: 'p9', reason: 'queue' }));
    expect(store.me.value?.role).toBe('speaker');
    expect(store.may_publish.value).toBe(true);
    expect(store.announcement.value?.key).toBe('announce.role');
    store.apply(event('role_changed', { participant: 'p1', from: 'speaker', to: 'attendee', by: 'p9' }));
    expect(store.may_publish.value).toBe(false);
    // Someone else's role: their entry changes, ours not.
    store.apply(event('role_changed', { participant: 'p2', from: 'speaker', to: 'press', by: 'p9' }));
    expect(store.participants.value.get('p2')?.role).toBe('press');
    expect(store.may_publish.value).toBe(false);
  });

  it('questions, votes, answers and chat', () => {
    const store = joined('attendee');
    const m = store.model;
    store.apply(event('question_asked', { id: 2, author: 'p1', text: 'Why?' }));
    store.apply(event('question_upvoted', { id: 1, by: 'p1', votes: 3 }));
    expect(m.my_votes.value.has(1)).toBe(true);
    store.apply(event('question_status_changed', { id: 2, status: 'answered', by: 'p9' }));
    store.apply(event('question_status_changed', { id: 1, status: 'dismissed', by: 'p9' }));
    expect(m.questions.value).toEqual([{ id: 2, author: 'p1', text: 'Why?', votes: 0, status: 'answered' }]);
    store.apply(event('chat_message_sent', { id: 5, from: 'p2', text: 'hello' }));
    store.apply(event('chat_message_sent', { id: 6, from: 'p3', text: 'hi' }));
    store.apply(event('chat_message_deleted', { id: 5, by: 'p9' }));
    expect(m.chat.value.map((c) => c.text)).toEqual(['hi']);
    store.apply(event('unmute_requested', { participant: 'p1', kind: 'audio', by: 'p9' }));
    expect([...m.unmute_asked.value]).toEqual(['audio']);
    store.apply(event('participant_unmuted', { participant: 'p1', kind: 'audio' }));
    expect([...m.unmute_asked.value]).toEqual([]);
  });

  it('ignores events it does not know and malformed fields', () => {
    const store = joined('attendee');
    store.apply(event('something_new', { participant: 'p2' }));
    store.apply(event('floor_granted', { participant: 42 }));
    store.apply({ type: 'event', event: null } as unknown as ServerMessage);
    expect(store.model.state.value).toBe('live');
  });
});

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  set_locale('en');
});
afterEach(() => {
  render(null, root);
  root.remove();
});

function stage(store: ConferenceStore) {
  const session = new Session(store, 'ws://127.0.0.1:1/rtc', 'x', null);
  act(() => render(<Stage store={store} session={session} local_stream={null} joined_at={new Date(0)}
    on_leave={() => undefined} on_rejoin={() => undefined} />, root));
}

describe('stage panels by role', () => {
  it('a moderator gets the controls; an attendee does not', () => {
    stage(joined('moderator'));
    expect(root.querySelector('[data-testid=host-panel]')).not.toBeNull();
    expect(root.querySelector('[data-testid=go-live]')).toBeNull();  // already live
    expect(root.querySelector('[data-testid=end]')).not.toBeNull();
    expect(root.querySelector('[data-item=i2] [data-testid=start-item]')).not.toBeNull();
    expect(root.querySelector('[data-testid=timeline]')).not.toBeNull();
    render(null, root);
    stage(joined('attendee'));
    expect(root.querySelector('[data-testid=host-panel]')).toBeNull();
    expect(root.querySelector('[data-testid=raise-hand]')).not.toBeNull();
    expect(root.querySelector('[data-testid=ask]')).not.toBeNull();
    expect(root.querySelector('[data-testid=timeline]')).toBeNull();
    expect(root.querySelector('[data-testid=floor-holder]')?.textContent).toBe('Red has the floor');
    expect(root.querySelector('[role=timer]')?.textContent).toMatch(/^1:(29|30)$/);
  });

  it('the floor holder reads "You are live" and can yield; the press sees the timeline', () => {
    stage(joined('speaker', 'p2'));
    expect(root.querySelector('[data-testid=my-floor]')?.textContent).toBe('You are live');
    expect(root.querySelector('[data-testid=yield]')).not.toBeNull();
    render(null, root);
    stage(joined('press'));
    expect(root.querySelector('[data-testid=timeline]')).not.toBeNull();
    expect(root.querySelector('[data-testid=ask]')).not.toBeNull();
  });
});

describe('moderator controls and "ask to unmute"', () => {
  function with_commands(store: ConferenceStore): Array<[string, unknown]> {
    const sent: Array<[string, unknown]> = [];
    const session = new Session(store, 'ws://127.0.0.1:1/rtc', 'x', null);
    vi.spyOn(session, 'command').mockImplementation((command, args = {}) => {
      sent.push([command, args]);
      return Promise.resolve({ ok: true });
    });
    act(() => render(<Stage store={store} session={session} local_stream={null} joined_at={new Date(0)}
      on_leave={() => undefined} on_rejoin={() => undefined} />, root));
    return sent;
  }
  const button = (text: string, scope: ParentNode = root) =>
    [...scope.querySelectorAll('button')].find((b) => b.textContent === text);
  const click = (text: string, scope?: ParentNode) => {
    const b = button(text, scope);
    if (!b) throw new Error(`no button "${text}"`);
    act(() => b.click());
  };

  it('the timer, the lobby and mute buttons each send their command', () => {
    const store = joined('moderator');
    act(() => { store.apply(event('participant_waiting', { participant: 'p8', name: 'Guest', role: 'attendee' })); });
    const sent = with_commands(store);
    click('+1 min');
    click('Pause timer');
    click('Admit everyone');
    const red = root.querySelector('[data-testid=people] [data-participant=p2]');
    if (!red) throw new Error('no row for Red');
    click('Mute', red);
    expect(sent).toEqual([
      ['extend-floor', { ms: 60000 }], ['pause-floor', {}], ['admit-all', {}],
      ['mute', { participant: 'p2', kind: 'audio' }]]);
    // Muted: the moderator can only ask; the server never unmutes anyone by itself.
    act(() => { store.apply(event('participant_muted', { participant: 'p2', kind: 'audio', by: 'p1' })); });
    expect(button('Mute', red)).toBeUndefined();
    click('Ask to unmute', red);
    expect(sent.at(-1)).toEqual(['ask-to-unmute', { participant: 'p2', kind: 'audio' }]);
  });

  it('lists the panel whole, finds anyone in an audience of hundreds by name, and caps the lobby', () => {
    const store = joined('moderator');
    act(() => {
      for (let i = 1; i <= 300; ++i) {
        store.apply(event('participant_joined', { participant: `a${i}`, name: `Attendee ${i}`, role: i % 10 === 0 ? 'press' : 'attendee' }));
      }
      for (let i = 1; i <= 60; ++i) store.apply(event('participant_waiting', { participant: `w${i}`, name: `Guest ${i}`, role: 'attendee' }));
    });
    const sent = with_commands(store);
    const rows = (list: string) =>
      [...root.querySelectorAll(`[data-testid=${list}] > [data-participant]`)].map((e) => e.getAttribute('data-participant'));
    expect(rows('panel-people')).toEqual(['p2', 'p3']);
    expect(root.textContent).toContain('Audience (300)');
    expect(rows('audience-people')).toHaveLength(kAudienceShown);
    expect(root.querySelector('[data-testid=people-more]')?.textContent).toBe('Showing 50 of 300. Type a name to find someone.');
    expect(root.querySelectorAll('.lobby-list > li')).toHaveLength(kAudienceShown);
    expect(root.querySelector('[data-testid=lobby-more]')?.textContent).toBe('And 10 more waiting.');
    const search = root.querySelector<HTMLInputElement>('[data-testid=people-search]');
    if (!search) throw new Error('no search box');
    act(() => {
      search.value = 'attendee 29';
      search.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(rows('audience-people')).toEqual(['a29', ...Array.from({ length: 10 }, (_, i) => `a${290 + i}`)]);
    expect(root.querySelector('[data-testid=people-more]')).toBeNull();
    // Whoever the search found can be given the floor and promoted.
    const grant_to = [...root.querySelectorAll<HTMLOptionElement>('[data-testid=grant-to] option')].map((o) => o.value);
    expect(grant_to).toEqual(['', 'p2', 'p3', 'a29', ...Array.from({ length: 10 }, (_, i) => `a${290 + i}`)]);
    // A choice stays offered when the search moves on.
    const select = root.querySelector<HTMLSelectElement>('[data-testid=grant-to]');
    if (!select) throw new Error('no grant-to select');
    act(() => {
      select.value = 'a293';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    act(() => {
      search.value = 'attendee 1';
      search.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(select.value).toBe('a293');
    click('Give the floor');
    expect(sent.at(-1)).toEqual(['grant-floor', { participant: 'a293', ms: 300000 }]);
    act(() => {
      search.value = 'attendee 29';
      search.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const row = root.querySelector('[data-testid=people] [data-participant=a295]');
    const role = row?.querySelector<HTMLSelectElement>('[data-testid=role-select]');
    if (!role) throw new Error('no role select for a295');
    act(() => {
      role.value = 'speaker';
      role.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(sent.at(-1)).toEqual(['change-role', { participant: 'a295', role: 'speaker' }]);
    act(() => {
      search.value = 'nobody';
      search.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(rows('audience-people')).toEqual([]);
    expect(root.textContent).toContain('Nobody in the audience has that name.');
    // Promoted, Attendee 295 joins the panel's list; the count follows.
    act(() => { store.apply(event('role_changed', { participant: 'a295', name: 'Attendee 295', from: 'attendee', to: 'speaker', by: 'p1' })); });
    expect(rows('panel-people')).toEqual(['p2', 'p3', 'a295']);
    expect(root.textContent).toContain('Audience (299)');
  });

  it('the muted participant is asked and accepts with one button', () => {
    const store = joined('speaker', 'p2');
    act(() => { store.apply(event('participant_muted', { participant: 'p2', kind: 'audio', by: 'p9' })); });
    const sent = with_commands(store);
    expect(button('Unmute')).toBeUndefined();
    act(() => { store.apply(event('unmute_requested', { participant: 'p2', kind: 'audio', by: 'p9' })); });
    click('Unmute');
    expect(sent).toEqual([['accept-unmute', { kind: 'audio' }]]);
    act(() => { store.apply(event('participant_unmuted', { participant: 'p2', kind: 'audio' })); });
    expect(button('Unmute')).toBeUndefined();
  });
});

describe('lobby', () => {
  it('someone waiting in the lobby is told so until a moderator admits them', () => {
    const store = joined('attendee', 'p7');
    act(() => { store.apply(event('participant_waiting', { participant: 'p7', name: 'Me', role: 'attendee' })); });
    stage(store);
    const notice = () => root.querySelector('[data-testid=lobby-wait]');
    expect(notice()?.textContent).toBe('You are in the lobby. A moderator will let you in.');
    expect(notice()?.getAttribute('role')).toBe('status');
    act(() => { store.apply(event('participant_admitted', { participant: 'p7', by: 'p9' })); });
    expect(notice()).toBeNull();
  });
});

describe('speaker floor state and timer warnings', () => {
  it('a speaker reads waiting, next (first in the queue), muted, live', () => {
    const store = joined('speaker', 'p4');
    stage(store);
    const mine = () => root.querySelector('[data-testid=my-floor]')?.textContent;
    expect(mine()).toBe('Waiting for the floor');
    act(() => { store.apply(event('hand_raised', { participant: 'p4', topic: '', position: 1 })); });
    expect(mine()).toBe('You are next');
    act(() => { store.apply(event('participant_muted', { participant: 'p4', kind: 'audio', by: 'p9' })); });
    expect(mine()).toBe('You are muted');
    act(() => { store.apply(event('participant_unmuted', { participant: 'p4', kind: 'audio' })); });
    act(() => { store.apply(event('floor_released', { participant: 'p2', reason: 'revoked', held_ms: 1, granted_at: 0 })); });
    act(() => { store.apply(event('floor_granted', { participant: 'p4', allotted_ms: 120000, by: 'p9' })); });
    expect(mine()).toBe('You are live');
  });

  it('the first speaker of the next agenda item reads "You are next"', () => {
    const store = joined('speaker', 'p4');
    // The agenda names invited speakers; the welcome names us "Me".
    store.apply(event('agenda_changed', { by: 'p9', agenda: [
      { id: 'i1', title: 'Opening', speakers: ['Red'], planned_ms: 180000, language: '', status: 'running' },
      { id: 'i2', title: 'Reply', speakers: ['Me'], planned_ms: 180000, language: '', status: 'pending' },
    ] }));
    stage(store);
    expect(root.querySelector('[data-testid=my-floor]')?.textContent).toBe('You are next');
  });

  it('one minute left and time up reach the live region and the timer turns to a warning', () => {
    const store = joined('attendee');
    act(() => render(<><Stage store={store} session={new Session(store, 'ws://127.0.0.1:1/rtc', 'x', null)}
      local_stream={null} joined_at={new Date(0)} on_leave={() => undefined} on_rejoin={() => undefined} />
      <LiveRegion store={store} /></>, root));
    const live = () => root.querySelector('[data-testid=live-region]');
    expect(live()?.getAttribute('aria-live')).toBe('polite');
    expect(root.querySelector('[role=timer]')?.classList.contains('warn')).toBe(false);
    act(() => { store.apply(event('floor_timer_changed', { participant: 'p2', allotted_ms: 180000, remaining_ms: 60000, paused: false })); });
    act(() => { store.apply(event('floor_one_minute_left', { participant: 'p2' })); });
    expect(live()?.textContent).toBe('One minute left for Red');
    expect(root.querySelector('[role=timer]')?.classList.contains('warn')).toBe(true);
    act(() => { store.apply(event('floor_time_up', { participant: 'p2' })); });
    expect(live()?.textContent).toBe('Time is up for Red');
  });
});

describe('pre-join', () => {
  it('Join waits until the camera and microphone are open', async () => {
    let open: (s: MediaStream) => void = () => undefined;
    vi.stubGlobal('navigator', {
      ...navigator,
      mediaDevices: {
        getUserMedia: () => new Promise<MediaStream>((resolve) => { open = resolve; }),
        enumerateDevices: () => Promise.resolve([]),
      },
    });
    // jsdom has no media playback; the preview only needs play() to resolve.
    vi.spyOn(HTMLMediaElement.prototype, 'play').mockImplementation(() => Promise.resolve());
    act(() => render(<PreJoin claims={{ conf: 'demo', name: 'Dana' }} on_join={() => undefined} />, root));
    const button = () => root.querySelector<HTMLButtonElement>('button[type="submit"]');
    expect(button()?.disabled).toBe(true);
    await act(async () => {
      open({ getTracks: () => [], getAudioTracks: () => [] } as unknown as MediaStream);
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(button()?.disabled).toBe(false);
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
});

describe('agenda builder', () => {
  it('moves an item and leaves the list alone for out-of-range moves', () => {
    expect(move(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(move(['a', 'b'], 1, 2)).toEqual(['a', 'b']);
  });
});

describe('REST types', () => {
  it('are current with docs/openapi.yaml', () => {
    // If this fails the API description changed: run `npm run gen`.
    expect(readFileSync(kRestOutputPath, 'utf8')).toBe(generate(yaml.load(readFileSync(kApiPath, 'utf8'))));
  });
});
