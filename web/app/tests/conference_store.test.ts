import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConferenceStore } from '../src/state/conference_store';
import type { ServerMessage, Welcome } from '../src/protocol/signaling.gen';

const kExamples = resolve(__dirname, '../../../docs/protocol/examples');
const example = <T = ServerMessage>(name: string): T =>
  JSON.parse(readFileSync(resolve(kExamples, `${name}.json`), 'utf8')) as T;

const event = (body: Record<string, unknown>): ServerMessage =>
  ({ type: 'event', event: body }) as unknown as ServerMessage;
const state = (body: Record<string, unknown>): Welcome['state'] => body as unknown as Welcome['state'];

function welcome(overrides: Partial<Welcome> = {}): Welcome {
  return {
    type: 'welcome', version: 1, conference: 'demo',
    participant: { id: 'p1', name: 'Me', role: 'attendee' },
    permissions: { publish: false },
    participants: [{ id: 'p1', name: 'Me', role: 'attendee' }, { id: 'p2', name: 'Bob', role: 'speaker' }],
    tracks: [{ id: 'v2', participant: 'p2', kind: 'video' }, { id: 'a2', participant: 'p2', kind: 'audio' }],
    ...overrides,
  };
}

describe('ConferenceStore', () => {
  it('takes the welcome example from the protocol docs', () => {
    const store = new ConferenceStore();
    store.begin_join(false);
    expect(store.status.value).toBe('connecting');
    expect(store.apply(example('server-welcome'))).toBe(true);
    expect(store.status.value).toBe('joined');
    expect(store.me.value).toEqual({ id: 'p3', name: 'Alice', role: 'speaker' });
    expect(store.conference.value).toBe('demo');
    expect(store.may_publish.value).toBe(true);
    expect([...store.participants.value.keys()]).toEqual(['p1']);
    expect([...store.tracks.value.keys()]).toEqual(['t1']);
    // Audio only: nobody to feature yet.
    expect(store.featured.value).toBeNull();
  });

  it('counts the audience and names those the audience does not know', () => {
    const store = new ConferenceStore();
    store.apply(welcome({
      audience: 412,
      state: state({ participants: [{ id: 'p1', name: 'Me', role: 'attendee', presence: 'present' },
        { id: 'p2', name: 'Bob', role: 'speaker', presence: 'present' }] }),
    }));
    expect(store.audience.value).toBe(412);
    expect(store.apply(example('server-audience'))).toBe(false);
    expect(store.audience.value).toBe(412);
    store.apply({ type: 'audience', count: 413 });
    expect(store.audience.value).toBe(413);
    // Chat from another member of the audience carries the author's name.
    store.apply(event({ seq: 5, at: 1, type: 'chat_message_sent', id: 1, from: 'p9', name: 'Zoe', text: 'hi' }));
    expect(store.model.chat.value.at(-1)).toMatchObject({ from: 'p9', name: 'Zoe' });
    // Promoted onto the panel: named by the role change, then announced.
    store.apply(event({ seq: 6, at: 2, type: 'role_changed', participant: 'p9', from: 'attendee', to: 'speaker', by: 'p2', name: 'Zoe' }));
    expect(store.name_of('p9')).toBe('Zoe');
    store.apply({ type: 'participant-joined', participant: { id: 'p9', name: 'Zoe', role: 'speaker' } });
    expect(store.participants.value.has('p9')).toBe(true);
    // Back into the audience: out of our view (we will not hear when she leaves).
    store.apply(event({ seq: 7, at: 3, type: 'role_changed', participant: 'p9', from: 'speaker', to: 'attendee', by: 'p2', name: 'Zoe' }));
    expect(store.model.people.value.has('p9')).toBe(false);
    store.apply({ type: 'participant-left', participant: 'p9' });
    expect(store.participants.value.has('p9')).toBe(false);
  });

  it('forgets the rest of the audience when we are moved back into it', () => {
    const store = new ConferenceStore();
    store.apply(welcome({
      participant: { id: 'p1', name: 'Me', role: 'speaker' },
      participants: [{ id: 'p2', name: 'Bob', role: 'moderator' }, { id: 'p3', name: 'Ann', role: 'attendee' }],
      state: state({ participants: [{ id: 'p1', name: 'Me', role: 'speaker', presence: 'present' },
        { id: 'p2', name: 'Bob', role: 'moderator', presence: 'present' },
        { id: 'p3', name: 'Ann', role: 'attendee', presence: 'present' }] }),
    }));
    store.apply(event({ seq: 2, at: 1, type: 'role_changed', participant: 'p1', from: 'speaker', to: 'attendee', by: 'p2' }));
    expect(store.me.value?.role).toBe('attendee');
    expect([...store.participants.value.keys()]).toEqual(['p2']);
    expect([...store.model.people.value.keys()].sort()).toEqual(['p1', 'p2']);
  });

  it('leaves ourselves out of the participants and tracks', () => {
    const store = new ConferenceStore();
    store.apply(welcome({ tracks: [{ id: 'mine', participant: 'p1', kind: 'video' }] }));
    expect(store.participants.value.has('p1')).toBe(false);
    expect(store.tracks.value.size).toBe(0);
    expect(store.apply({ type: 'track-published', track: { id: 'mine2', participant: 'p1', kind: 'audio' } })).toBe(false);
    expect(store.apply({ type: 'participant-joined', participant: { id: 'p1', name: 'Me', role: 'attendee' } })).toBe(false);
  });

  it('features the newest video publisher and announces the floor', () => {
    const store = new ConferenceStore();
    store.apply(welcome());
    expect(store.featured.value).toBe('p2');
    store.apply({ type: 'participant-joined', participant: { id: 'p3', name: 'Carol', role: 'speaker' } });
    expect(store.announcement.value?.key).toBe('announce.joined');
    expect(store.announcement.value?.params).toEqual({ name: 'Carol' });
    expect(store.apply({ type: 'track-published', track: { id: 'v3', participant: 'p3', kind: 'video' } })).toBe(true);
    expect(store.featured.value).toBe('p3');
    expect(store.announcement.value).toMatchObject({ key: 'announce.floor', params: { name: 'Carol' } });
    // A duplicate changes nothing and asks for no negotiation.
    expect(store.apply({ type: 'track-published', track: { id: 'v3', participant: 'p3', kind: 'video' } })).toBe(false);
    // Carol stops her camera: Bob is featured again.
    expect(store.apply({ type: 'track-removed', track: 'v3' })).toBe(true);
    expect(store.featured.value).toBe('p2');
    expect(store.announcement.value).toMatchObject({ key: 'announce.floor', params: { name: 'Bob' } });
    expect(store.apply({ type: 'track-removed', track: 'v3' })).toBe(false);
  });

  it('applies a batch in order, and says whether any of it changed what to receive', () => {
    const store = new ConferenceStore();
    store.apply(welcome());
    expect(store.apply({
      type: 'batch',
      messages: [
        { type: 'participant-joined', participant: { id: 'p3', name: 'Carol', role: 'attendee' } },
        { type: 'participant-joined', participant: { id: 'p4', name: 'Dan', role: 'attendee' } },
        { type: 'participant-left', participant: 'p3' },
      ],
    })).toBe(false);
    expect([...store.participants.value.keys()].sort()).toEqual(['p2', 'p4']);
    // Bob leaving takes his tracks: there is less to receive.
    expect(store.apply({
      type: 'batch',
      messages: [
        { type: 'participant-joined', participant: { id: 'p5', name: 'Eve', role: 'attendee' } },
        { type: 'participant-left', participant: 'p2' },
      ],
    })).toBe(true);
    expect([...store.participants.value.keys()].sort()).toEqual(['p4', 'p5']);
    expect(store.tracks.value.size).toBe(0);
  });

  it('drops a leaving participant with their tracks and speaker mark', () => {
    const store = new ConferenceStore();
    store.apply(welcome());
    store.apply({ type: 'active-speaker', participant: 'p2' });
    expect(store.active_speaker.value).toBe('p2');
    expect(store.apply({ type: 'participant-left', participant: 'p2' })).toBe(true);
    expect(store.participants.value.size).toBe(0);
    expect(store.tracks.value.size).toBe(0);
    expect(store.featured.value).toBeNull();
    expect(store.active_speaker.value).toBeNull();
    expect(store.announcement.value).toMatchObject({ key: 'announce.left', params: { name: 'Bob' } });
    // Unknown participant: nothing happens.
    const seq = store.announcement.value?.seq;
    expect(store.apply({ type: 'participant-left', participant: 'p99' })).toBe(false);
    expect(store.announcement.value?.seq).toBe(seq);
  });

  it('follows active-speaker events, ourselves included', () => {
    const store = new ConferenceStore();
    store.apply(welcome());
    store.apply(example('server-active-speaker'));
    expect(store.active_speaker.value).toBe('p3');
    store.apply({ type: 'active-speaker', participant: 'p1' });
    expect(store.active_speaker.value).toBe('p1');
    expect(store.name_of('p1')).toBe('Me');
    expect(store.name_of('p2')).toBe('Bob');
  });

  it('on a rejoin replaces the lists from the new welcome and announces the reconnect once', () => {
    const store = new ConferenceStore();
    store.apply(welcome());
    store.begin_join(true);
    expect(store.status.value).toBe('reconnecting');
    // The old picture stays while reconnecting.
    expect(store.participants.value.size).toBe(1);
    store.apply(welcome({
      participant: { id: 'p7', name: 'Me', role: 'attendee' },
      participants: [{ id: 'p7', name: 'Me', role: 'attendee' }, { id: 'p3', name: 'Carol', role: 'speaker' }],
      tracks: [],
    }));
    expect(store.status.value).toBe('joined');
    expect([...store.participants.value.keys()]).toEqual(['p3']);
    expect(store.tracks.value.size).toBe(0);
    expect(store.announcement.value?.key).toBe('announce.reconnected');
  });

  it('records server errors and failures', () => {
    const store = new ConferenceStore();
    store.apply(example('server-error'));
    expect(store.error.value?.code).toBeTruthy();
    store.fail({ code: 'unauthorized', message: 'token expired' });
    expect(store.status.value).toBe('error');
    store.reset('left');
    expect(store.status.value).toBe('left');
    expect(store.me.value).toBeNull();
  });
});
