// The conference as the domain runs it: its state, agenda, floor and timer, speaker
// queue, lobby, chat, Q&A and the timeline, from the snapshot in `welcome.state` and the
// `event` messages after it (docs/protocol.md "event"; the fields are those of
// src/conference/events.h). Pure like ConferenceStore: messages in, signals out.

import { batch, computed, signal } from '@preact/signals';
import type { ParticipantId, Role } from '../protocol/signaling.gen';

export type ConferenceState = 'scheduled' | 'open' | 'live' | 'ended';
export type Presence = 'waiting' | 'present' | 'left' | 'rejected';
export type QuestionStatus = 'open' | 'picked' | 'answered' | 'dismissed';
export type ItemStatus = 'pending' | 'running' | 'done';

export interface Person {
  id: ParticipantId;
  name: string;
  role: Role;
  presence: Presence;
  audio_muted: boolean;
  video_muted: boolean;
  chat_muted: boolean;
}

export interface AgendaItem {
  id: string;
  title: string;
  speakers: string[];
  planned_ms: number;
  language: string;
  status: ItemStatus;
}

export interface Floor {
  participant: ParticipantId;
  allotted_ms: number;          // 0: untimed
  remaining_ms: number | null;  // at `measured_at`; null when untimed
  measured_at: number;          // local performance-clock ms
  paused: boolean;
}

export interface QueueEntry { participant: ParticipantId; topic: string; position: number }
// name: the author's, as the server gave it (a member of the audience does not know the
// rest of the audience, so the roster cannot name them).
export interface ChatMessage { id: number; from: ParticipantId; name?: string; text: string; at: number }
export interface Question {
  id: number;
  author: ParticipantId;
  name?: string;
  text: string;
  votes: number;
  status: QuestionStatus;
}

export interface Settings {
  lobby?: boolean;
  chat?: 'everyone' | 'panel_only' | 'off';
  qa?: boolean;
  [key: string]: unknown;
}

// One recorded decision, for the press timeline: the event as the server sent it.
export interface TimelineEntry {
  seq: number;
  at: number;
  type: string;
  fields: Record<string, unknown>;
}

// What the live region says about the conference (catalog keys).
export type ModelAnnouncement =
  | { key: 'announce.floor'; params: { name: string } }
  | { key: 'announce.floor_free'; params: Record<string, never> }
  | { key: 'announce.one_minute'; params: { name: string } }
  | { key: 'announce.time_up'; params: { name: string } }
  | { key: 'announce.role'; params: { role: string } }
  | { key: 'announce.state'; params: { state: string } }
  | { key: 'announce.unmute_asked'; params: Record<string, never> }
  | { key: 'announce.hand_granted'; params: Record<string, never> }
  | { key: 'announce.recording_started' | 'announce.recording_stopped' | 'announce.recording_failed'; params: Record<string, never> };

type Fields = Record<string, unknown>;

const kRecorded = new Set([
  'conference_state_changed', 'participant_joined', 'participant_left', 'role_changed',
  'agenda_item_started', 'agenda_item_ended', 'floor_granted', 'floor_released',
  'floor_time_up', 'question_asked', 'question_status_changed', 'participant_muted',
  'participant_unmuted',
]);
const kTimelineLimit = 200;
// The press timeline keeps what was loaded from the conference's start (pages of the REST
// timeline) and what happened since, up to this many entries.
const kTimelineHistoryLimit = 2000;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const bool = (v: unknown): boolean => v === true;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Fields => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Fields : {});

function person_of(v: unknown): Person | null {
  const p = obj(v);
  const id = str(p.id);
  if (!id) return null;
  return {
    id, name: str(p.name, id), role: str(p.role, 'attendee') as Role,
    presence: str(p.presence, 'present') as Presence,
    audio_muted: bool(p.audio_muted), video_muted: bool(p.video_muted), chat_muted: bool(p.chat_muted),
  };
}

function item_of(v: unknown): AgendaItem | null {
  const i = obj(v);
  const id = str(i.id);
  if (!id) return null;
  return {
    id, title: str(i.title, id), speakers: arr(i.speakers).filter((s): s is string => typeof s === 'string'),
    planned_ms: num(i.planned_ms), language: str(i.language), status: str(i.status, 'pending') as ItemStatus,
  };
}

export function may_publish_role(role: Role): boolean {
  // Interpreters publish their microphone into their booth (docs/interpretation.md).
  return role === 'organizer' || role === 'moderator' || role === 'speaker' || role === 'interpreter';
}

export function is_host(role: Role | undefined): boolean {
  return role === 'organizer' || role === 'moderator';
}

// Attendees and press: the audience, which the server does not announce to itself.
export function in_audience(role: Role | undefined): boolean {
  return role === 'attendee' || role === 'press';
}

export class ConferenceModel {
  readonly state = signal<ConferenceState | null>(null);
  readonly title = signal<string | null>(null);
  readonly settings = signal<Settings>({});
  // Everyone the conference knows and this viewer may see (lobby included for hosts).
  readonly people = signal<ReadonlyMap<ParticipantId, Person>>(new Map());
  readonly agenda = signal<readonly AgendaItem[]>([]);
  readonly running_item = signal<string | null>(null);
  readonly floor = signal<Floor | null>(null);
  readonly queue = signal<readonly QueueEntry[]>([]);
  readonly chat = signal<readonly ChatMessage[]>([]);
  readonly questions = signal<readonly Question[]>([]);
  readonly timeline = signal<readonly TimelineEntry[]>([]);
  // Where the next older page of the timeline starts (REST next_before); null: no more
  // (or not loaded yet: timeline_loaded says).
  readonly timeline_before = signal<number | null>(null);
  readonly timeline_loaded = signal(false);
  // True while the conference is being recorded (everyone sees an indicator).
  readonly recording = signal(false);
  // Questions this viewer upvoted (the server refuses a second vote anyway).
  readonly my_votes = signal<ReadonlySet<number>>(new Set());
  // Kinds a host asked us to unmute.
  readonly unmute_asked = signal<ReadonlySet<'audio' | 'video'>>(new Set());

  readonly lobby = computed(() => [...this.people.value.values()].filter((p) => p.presence === 'waiting'));
  readonly current_item = computed(() => this.agenda.value.find((i) => i.id === this.running_item.value) ?? null);
  readonly next_item = computed(() => {
    const list = this.agenda.value;
    const at = list.findIndex((i) => i.id === this.running_item.value);
    return list.slice(at + 1).find((i) => i.status === 'pending') ?? null;
  });

  // Who we are, for "you are next" and unmute requests.
  me: ParticipantId | null = null;
  // Called with our new role when the conference changes it (promotion, demotion).
  on_my_role: ((role: Role) => void) | null = null;
  on_announce: ((a: ModelAnnouncement) => void) | null = null;

  reset(): void {
    batch(() => {
      this.state.value = null;
      this.title.value = null;
      this.settings.value = {};
      this.people.value = new Map();
      this.agenda.value = [];
      this.running_item.value = null;
      this.floor.value = null;
      this.queue.value = [];
      this.chat.value = [];
      this.questions.value = [];
      this.timeline.value = [];
      this.timeline_before.value = null;
      this.timeline_loaded.value = false;
      this.recording.value = false;
      this.unmute_asked.value = new Set();
    });
  }

  // welcome.state: the whole picture as this participant may see it.
  load(snapshot: unknown, me: ParticipantId, now = performance.now()): void {
    const s = obj(snapshot);
    this.me = me;
    batch(() => {
      this.state.value = (str(s.conference) || null) as ConferenceState | null;
      this.title.value = str(s.title) || null;
      this.settings.value = obj(s.settings) as Settings;
      this.recording.value = s.recording === true;
      this.people.value = new Map(arr(s.participants).map(person_of).filter((p): p is Person => p !== null)
        .map((p) => [p.id, p]));
      this.agenda.value = arr(s.agenda).map(item_of).filter((i): i is AgendaItem => i !== null);
      this.running_item.value = str(s.running_item) || null;
      const f = obj(s.floor);
      this.floor.value = str(f.participant)
        ? {
          participant: str(f.participant), allotted_ms: 0, measured_at: now, paused: false,
          remaining_ms: typeof f.remaining_ms === 'number' ? f.remaining_ms : null,
        }
        : null;
      this.queue.value = arr(s.queue).map(obj).map((q) => ({
        participant: str(q.participant), topic: str(q.topic), position: num(q.position),
      }));
      this.chat.value = arr(s.chat).map(obj).map((m) => ({
        id: num(m.id), from: str(m.from), name: str(m.name) || undefined, text: str(m.text), at: num(m.at),
      }));
      this.questions.value = arr(s.questions).map(obj).map((q) => ({
        id: num(q.id), author: str(q.author), name: str(q.name) || undefined, text: str(q.text), votes: num(q.votes),
        status: str(q.status, 'open') as QuestionStatus,
      }));
      this.unmute_asked.value = new Set();
    });
  }

  // A page of the stored timeline (GET .../timeline, oldest first): merged with what
  // arrived live (the same event has the same seq), in order.
  add_history(events: readonly unknown[], next_before: number | null): void {
    const by_seq = new Map(this.timeline.value.map((e) => [e.seq, e]));
    for (const raw of events) {
      const e = obj(raw);
      const type = str(e.type);
      if (!kRecorded.has(type) || typeof e.seq !== 'number') continue;
      if (!by_seq.has(e.seq)) by_seq.set(e.seq, { seq: e.seq, at: num(e.at), type, fields: e });
    }
    batch(() => {
      this.timeline.value = [...by_seq.values()].sort((a, b) => a.seq - b.seq).slice(-kTimelineHistoryLimit);
      this.timeline_before.value = next_before;
      this.timeline_loaded.value = true;
    });
  }

  name_of(id: ParticipantId): string {
    return this.people.value.get(id)?.name ?? id;
  }

  // Remaining floor time in ms at `now` (performance clock), or null when untimed. A
  // `now` read before the last timer event (a view's clock between its ticks) counts as
  // that event's time: the remaining time never shows more than the server said.
  remaining_ms(now = performance.now()): number | null {
    const f = this.floor.value;
    if (!f || f.remaining_ms === null) return null;
    return f.paused ? f.remaining_ms : Math.max(0, f.remaining_ms - Math.max(0, now - f.measured_at));
  }

  // One `event` message's body.
  apply(event: unknown, now = performance.now()): void {
    const e = obj(event);
    const type = str(e.type);
    if (kRecorded.has(type)) {
      const entry = { seq: num(e.seq), at: num(e.at), type, fields: e };
      const limit = this.timeline_loaded.value ? kTimelineHistoryLimit : kTimelineLimit;
      this.timeline.value = [...this.timeline.value, entry].slice(-limit);
    }
    const who = str(e.participant);
    switch (type) {
      case 'conference_state_changed':
        this.state.value = str(e.to) as ConferenceState;
        this.say({ key: 'announce.state', params: { state: str(e.to) } });
        break;
      case 'recording_started':
        this.recording.value = true;
        this.say({ key: 'announce.recording_started', params: {} });
        break;
      case 'recording_stopped':
        this.recording.value = false;
        this.say({ key: str(e.reason) === 'failed' ? 'announce.recording_failed' : 'announce.recording_stopped', params: {} });
        break;
      case 'settings_changed':
        this.settings.value = obj(e.settings) as Settings;
        break;
      case 'participant_waiting':
        this.put(who, { id: who, name: str(e.name, who), role: str(e.role, 'attendee') as Role, presence: 'waiting' });
        break;
      case 'participant_admitted':
      case 'participant_joined':
        this.put(who, {
          presence: 'present',
          ...(type === 'participant_joined' ? { name: str(e.name, who), role: str(e.role, 'attendee') as Role } : {}),
        });
        break;
      case 'participant_rejected':
        this.put(who, { presence: 'rejected' });
        break;
      case 'participant_left':
        this.put(who, { presence: 'left' });
        break;
      case 'role_changed': {
        const role = str(e.to, 'attendee') as Role;
        const mine = this.me ? this.people.value.get(this.me)?.role : undefined;
        if (who !== this.me && in_audience(mine) && in_audience(role)) {
          // Back into the audience: out of an audience member's view, as the server
          // will not tell it when this one leaves.
          this.drop(who);
        } else {
          this.put(who, { role, ...(str(e.name) ? { name: str(e.name) } : {}) });
        }
        if (who === this.me) {
          this.say({ key: 'announce.role', params: { role } });
          this.on_my_role?.(role);
        }
        break;
      }
      case 'agenda_changed':
        this.agenda.value = arr(e.agenda).map(item_of).filter((i): i is AgendaItem => i !== null);
        break;
      case 'agenda_item_started':
        batch(() => {
          this.running_item.value = str(e.item);
          this.set_item_status(str(e.item), 'running');
        });
        break;
      case 'agenda_item_ended':
        batch(() => {
          if (this.running_item.value === str(e.item)) this.running_item.value = null;
          this.set_item_status(str(e.item), 'done');
        });
        break;
      case 'floor_granted': {
        const allotted = num(e.allotted_ms);
        this.floor.value = {
          participant: who, allotted_ms: allotted, remaining_ms: allotted > 0 ? allotted : null,
          measured_at: now, paused: false,
        };
        this.say({ key: 'announce.floor', params: { name: this.name_of(who) } });
        break;
      }
      case 'floor_released':
        if (this.floor.value?.participant === who) {
          this.floor.value = null;
          this.say({ key: 'announce.floor_free', params: {} });
        }
        break;
      case 'floor_timer_changed': {
        const allotted = num(e.allotted_ms);
        this.floor.value = {
          participant: who, allotted_ms: allotted, remaining_ms: allotted > 0 ? num(e.remaining_ms) : null,
          measured_at: now, paused: bool(e.paused),
        };
        break;
      }
      case 'floor_one_minute_left':
        this.say({ key: 'announce.one_minute', params: { name: this.name_of(who) } });
        break;
      case 'floor_time_up': {
        const f = this.floor.value;
        if (f && f.participant === who) this.floor.value = { ...f, remaining_ms: 0, measured_at: now };
        this.say({ key: 'announce.time_up', params: { name: this.name_of(who) } });
        break;
      }
      case 'hand_raised': {
        const rest = this.queue.value.filter((q) => q.participant !== who);
        const at = Math.max(0, Math.min(rest.length, num(e.position, rest.length + 1) - 1));
        rest.splice(at, 0, { participant: who, topic: str(e.topic), position: 0 });
        this.queue.value = renumber(rest);
        break;
      }
      case 'hand_lowered':
        this.queue.value = renumber(this.queue.value.filter((q) => q.participant !== who));
        if (who === this.me && str(e.reason) === 'granted') this.say({ key: 'announce.hand_granted', params: {} });
        break;
      case 'queue_reordered': {
        const order = arr(e.order).filter((x): x is string => typeof x === 'string');
        const by = new Map(this.queue.value.map((q) => [q.participant, q]));
        const next = order.map((id) => by.get(id)).filter((q): q is QueueEntry => q !== undefined);
        this.queue.value = renumber(next);
        break;
      }
      case 'chat_message_sent':
        this.chat.value = [...this.chat.value,
          { id: num(e.id), from: str(e.from), name: str(e.name) || undefined, text: str(e.text), at: num(e.at) }]
          .slice(-kTimelineLimit);
        break;
      case 'chat_message_deleted':
        this.chat.value = this.chat.value.filter((m) => m.id !== num(e.id));
        break;
      case 'chat_mute_changed':
        this.put(who, { chat_muted: bool(e.muted) });
        break;
      case 'question_asked':
        this.questions.value = [...this.questions.value,
          { id: num(e.id), author: str(e.author), name: str(e.name) || undefined, text: str(e.text), votes: 0, status: 'open' }];
        break;
      case 'question_upvoted':
        this.questions.value = this.questions.value.map((q) => (q.id === num(e.id) ? { ...q, votes: num(e.votes) } : q));
        if (str(e.by) === this.me) this.my_votes.value = new Set([...this.my_votes.value, num(e.id)]);
        break;
      case 'question_status_changed': {
        const status = str(e.status) as QuestionStatus;
        this.questions.value = status === 'dismissed'
          ? this.questions.value.filter((q) => q.id !== num(e.id))
          : this.questions.value.map((q) => (q.id === num(e.id) ? { ...q, status } : q));
        break;
      }
      case 'participant_muted':
        this.put(who, str(e.kind) === 'video' ? { video_muted: true } : { audio_muted: true });
        break;
      case 'participant_unmuted': {
        const kind = str(e.kind) === 'video' ? 'video' : 'audio';
        this.put(who, kind === 'video' ? { video_muted: false } : { audio_muted: false });
        if (who === this.me) this.unmute_asked.value = without(this.unmute_asked.value, kind);
        break;
      }
      case 'unmute_requested':
        if (who === this.me) {
          const kind = str(e.kind) === 'video' ? 'video' : 'audio';
          this.unmute_asked.value = new Set([...this.unmute_asked.value, kind]);
          this.say({ key: 'announce.unmute_asked', params: {} });
        }
        break;
      default:
        break;
    }
  }

  // Someone the signaling layer announced (participant-joined): known by name from now.
  know(p: { id: ParticipantId; name: string; role: Role }): void {
    if (!this.people.value.has(p.id)) this.put(p.id, { name: p.name, role: p.role, presence: 'present' });
  }

  // We are back in the audience: forget the rest of it, which we no longer hear of.
  forget_audience(): void {
    this.people.value = new Map([...this.people.value].filter(([id, p]) => id === this.me || !in_audience(p.role)));
  }

  private drop(id: ParticipantId): void {
    if (!this.people.value.has(id)) return;
    const next = new Map(this.people.value);
    next.delete(id);
    this.people.value = next;
  }

  private put(id: ParticipantId, change: Partial<Person>): void {
    if (!id) return;
    const next = new Map(this.people.value);
    const old = next.get(id);
    next.set(id, {
      id, name: id, role: 'attendee', presence: 'present',
      audio_muted: false, video_muted: false, chat_muted: false, ...old, ...change,
    });
    this.people.value = next;
  }

  private set_item_status(id: string, status: ItemStatus): void {
    this.agenda.value = this.agenda.value.map((i) => (i.id === id ? { ...i, status } : i));
  }

  private say(a: ModelAnnouncement): void {
    this.on_announce?.(a);
  }
}

function renumber(queue: QueueEntry[]): QueueEntry[] {
  return queue.map((q, i) => ({ ...q, position: i + 1 }));
}

function without<T>(set: ReadonlySet<T>, value: T): ReadonlySet<T> {
  const next = new Set(set);
  next.delete(value);
  return next;
}
