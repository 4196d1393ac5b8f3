// What the app knows about the conference it is in, as signals the screens render.
// Pure: server messages in (apply), state out; no sockets or media here, so the
// session (src/rtc/session.ts) and the unit tests drive it the same way.

import { batch, computed, signal } from '@preact/signals';
import type {
  Participant, ParticipantId, Role, ServerMessage, Track, TrackId,
} from '../protocol/signaling.gen';
import { ConferenceModel, in_audience, may_publish_role } from './conference_model';
import type { ModelAnnouncement } from './conference_model';
import { InterpretationModel } from './interpretation_model';

export type SessionStatus =
  | 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'left' | 'error';

// Something the ARIA live region says; key is a catalog key, params its values.
export interface Announcement {
  seq: number;
  key: 'announce.joined' | 'announce.left' | 'announce.floor' | 'announce.reconnected' | ModelAnnouncement['key'];
  params: Record<string, string>;
}

export interface ServerErrorInfo {
  code: string;
  message: string;
}

export class ConferenceStore {
  readonly status = signal<SessionStatus>('idle');
  readonly conference = signal<string | null>(null);
  readonly me = signal<Participant | null>(null);
  readonly may_publish = signal(false);
  // Other participants by id, in join order. To a member of the audience (attendee,
  // press): the panel only, since the server does not announce the audience to itself.
  readonly participants = signal<ReadonlyMap<ParticipantId, Participant>>(new Map());
  // Remote tracks the app should receive, by id (our own are never here).
  readonly tracks = signal<ReadonlyMap<TrackId, Track>>(new Map());
  // How many attendees and press are present (welcome, then `audience` messages).
  readonly audience = signal(0);
  readonly active_speaker = signal<ParticipantId | null>(null);
  readonly error = signal<ServerErrorInfo | null>(null);
  readonly announcement = signal<Announcement | null>(null);
  // Participants with a published video track, oldest first: the newest one is
  // featured until the floor (conference layer) is in the protocol.
  readonly publishers = signal<readonly ParticipantId[]>([]);
  // The conference itself (state, agenda, floor, queue, lobby, chat, Q&A, timeline).
  readonly model = new ConferenceModel();
  // Languages, booths and what we listen to (docs/interpretation.md).
  readonly interpretation = new InterpretationModel();

  constructor() {
    this.model.on_announce = (a) => this.announce(a.key, a.params);
    this.model.on_my_role = (role) => this.set_my_role(role);
  }

  // The participant shown large on the stage: the floor holder, else (no floor yet, or a
  // conference nobody scheduled) the newest video publisher.
  readonly featured = computed<ParticipantId | null>(() => {
    const holder = this.model.floor.value?.participant;
    if (holder) return holder;
    const list = this.publishers.value;
    return list.length > 0 ? list[list.length - 1] ?? null : null;
  });

  private seq_ = 0;
  private rejoining_ = false;

  // A fresh join (first or after a reconnect); rejoin keeps the old lists visible
  // until the welcome replaces them and does not re-announce everyone.
  begin_join(rejoin: boolean): void {
    this.rejoining_ = rejoin;
    this.status.value = rejoin ? 'reconnecting' : 'connecting';
    if (!rejoin) this.error.value = null;
  }

  // Returns true when the set of tracks to receive changed (negotiation is wanted).
  apply(msg: ServerMessage): boolean {
    switch (msg.type) {
      case 'welcome': {
        batch(() => {
          this.me.value = msg.participant;
          this.conference.value = msg.conference;
          this.may_publish.value = msg.permissions.publish;
          this.audience.value = msg.audience ?? 0;
          const others = msg.participants.filter((p) => p.id !== msg.participant.id);
          this.participants.value = new Map(others.map((p) => [p.id, p]));
          const remote = msg.tracks.filter((t) => t.participant !== msg.participant.id);
          this.tracks.value = new Map(remote.map((t) => [t.id, t]));
          this.publishers.value = publishers_of(remote);
          if (this.active_speaker.value && !this.participants.value.has(this.active_speaker.value)) {
            this.active_speaker.value = null;
          }
          this.error.value = null;
          this.model.load(msg.state ?? {}, msg.participant.id);
          this.interpretation.load((msg.state as unknown as { interpretation?: unknown } | undefined)?.interpretation,
            msg.participant.id);
          this.status.value = 'joined';
          if (this.rejoining_) this.announce('announce.reconnected', {});
        });
        this.rejoining_ = false;
        return true;
      }
      case 'participant-joined': {
        if (msg.participant.id === this.me.value?.id) return false;
        const next = new Map(this.participants.value);
        next.set(msg.participant.id, msg.participant);
        batch(() => {
          this.participants.value = next;
          this.model.know(msg.participant);
          // The panel's arrivals are news; the audience's are a head count (hundreds of
          // attendees would bury everything else the live region says).
          if (!in_audience(msg.participant.role)) this.announce('announce.joined', { name: msg.participant.name });
        });
        return false;
      }
      case 'participant-left': {
        const who = this.participants.value.get(msg.participant);
        if (!who) return false;
        const next = new Map(this.participants.value);
        next.delete(msg.participant);
        // The server also sends track-removed for these; dropping them here keeps
        // the stage right even if that message is late.
        const tracks = [...this.tracks.value.values()].filter((t) => t.participant !== msg.participant);
        const changed = tracks.length !== this.tracks.value.size;
        batch(() => {
          this.participants.value = next;
          this.set_tracks(tracks);
          if (this.active_speaker.value === msg.participant) this.active_speaker.value = null;
          if (!in_audience(who.role)) this.announce('announce.left', { name: who.name });
        });
        return changed;
      }
      case 'track-published': {
        const track = msg.track;
        if (track.participant === this.me.value?.id || this.tracks.value.has(track.id)) return false;
        const before = this.featured.value;
        this.set_tracks([...this.tracks.value.values(), track]);
        this.announce_featured(before);
        return true;
      }
      case 'track-removed': {
        if (!this.tracks.value.has(msg.track)) return false;
        const before = this.featured.value;
        this.set_tracks([...this.tracks.value.values()].filter((t) => t.id !== msg.track));
        this.announce_featured(before);
        return true;
      }
      case 'active-speaker':
        this.active_speaker.value = msg.participant;
        return false;
      case 'error':
        this.error.value = { code: msg.code, message: msg.message };
        return false;
      // Conference commands' results and events: the moderator and speaker views come next.
      case 'event': {
        const e: Record<string, unknown> =
          typeof msg.event === 'object' && msg.event !== null ? msg.event : {};
        if (e.type === 'role_changed' && typeof e.participant === 'string' && typeof e.to === 'string') {
          const who = this.participants.value.get(e.participant);
          if (who) {
            const next = new Map(this.participants.value);
            next.set(who.id, { ...who, role: e.to as Role });
            this.participants.value = next;
          }
        }
        this.model.apply(e);
        this.interpretation.apply(e);
        return false;
      }
      // What we may do now (our role changed, or we were admitted from the lobby).
      case 'permissions':
        batch(() => {
          const me = this.me.value;
          if (me) this.me.value = { ...me, role: msg.role };
          this.may_publish.value = msg.permissions.publish;
        });
        return false;
      case 'audience':
        this.audience.value = msg.count;
        return false;
      case 'answer':
      case 'pong':
      case 'result':
        return false;
      case 'batch': {
        let changed = false;
        for (const inner of msg.messages) changed = this.apply(inner) || changed;
        return changed;
      }
    }
  }

  // Display name of a participant (ourselves included).
  name_of(id: ParticipantId): string {
    if (id === this.me.value?.id) return this.me.value.name;
    return this.participants.value.get(id)?.name ?? this.model.name_of(id);
  }

  // The conference changed our role: what we may publish follows it (the server's
  // media session does the same), and the session adds or stops our tracks.
  private set_my_role(role: Role): void {
    const me = this.me.value;
    batch(() => {
      if (me) this.me.value = { ...me, role };
      this.may_publish.value = may_publish_role(role);
      if (in_audience(role)) {
        // Back in the audience: the server no longer tells us of the rest of it.
        this.participants.value = new Map([...this.participants.value].filter(([, p]) => !in_audience(p.role)));
        this.model.forget_audience();
      }
    });
  }

  // A failure that ends the session (join refused, channel could not open).
  fail(error: ServerErrorInfo): void {
    batch(() => {
      this.error.value = error;
      this.status.value = 'error';
    });
  }

  // Left on purpose: forget everything but the error.
  reset(status: SessionStatus): void {
    batch(() => {
      this.status.value = status;
      this.me.value = null;
      this.conference.value = null;
      this.may_publish.value = false;
      this.participants.value = new Map();
      this.tracks.value = new Map();
      this.publishers.value = [];
      this.active_speaker.value = null;
    });
    this.model.reset();
    this.interpretation.reset();
  }

  private set_tracks(tracks: Track[]): void {
    this.tracks.value = new Map(tracks.map((t) => [t.id, t]));
    // Keep the order publishers first appeared in, append newcomers.
    const now = publishers_of(tracks);
    const kept = this.publishers.value.filter((id) => now.includes(id));
    this.publishers.value = [...kept, ...now.filter((id) => !kept.includes(id))];
  }

  private announce_featured(before: ParticipantId | null): void {
    const after = this.featured.value;
    if (after !== null && after !== before) this.announce('announce.floor', { name: this.name_of(after) });
  }

  private announce(key: Announcement['key'], params: Readonly<Record<string, string>>): void {
    this.seq_ += 1;
    this.announcement.value = { seq: this.seq_, key, params };
  }
}

function publishers_of(tracks: Iterable<Track>): ParticipantId[] {
  const ids: ParticipantId[] = [];
  for (const t of tracks) {
    if (t.kind === 'video' && !ids.includes(t.participant)) ids.push(t.participant);
  }
  return ids;
}
