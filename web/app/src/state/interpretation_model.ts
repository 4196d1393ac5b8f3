// Interpretation as the server runs it (docs/interpretation.md): the conference's
// languages, the floor language, the booths (who is live, standby, muted, handing over),
// what this participant listens to, and "slower please" requests for the hosts. From
// `welcome.state.interpretation` and the interpretation events after it. Pure: messages
// in, signals out; the audio itself is src/media/listening_audio.ts.

import { batch, computed, signal } from '@preact/signals';
import type { ParticipantId } from '../protocol/signaling.gen';

export const kFloor = 'floor';
export const kDefaultFloorLevel = 0.2;

export interface BoothInterpreter { participant: ParticipantId; sources: string[] }
export interface Handover { from: ParticipantId; to: ParticipantId; requested_by: ParticipantId; due_at: number }
export interface Booth {
  language: string;
  interpreters: BoothInterpreter[];
  live: ParticipantId;  // '' nobody
  muted: boolean;
  handover: Handover | null;
}
export interface SlowerPlease { seq: number; participant: ParticipantId; language: string; at: number }

type Fields = Record<string, unknown>;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function booth_of_json(b: Fields): Booth {
  const h = b.handover as Fields | null | undefined;
  return {
    language: str(b.language),
    interpreters: (Array.isArray(b.interpreters) ? b.interpreters as Fields[] : [])
      .map((i) => ({ participant: str(i.participant), sources: strs(i.sources) })),
    live: str(b.live),
    muted: b.muted === true,
    handover: h && typeof h === 'object'
      ? { from: str(h.from), to: str(h.to), requested_by: str(h.requested_by), due_at: num(h.due_at) }
      : null,
  };
}

export class InterpretationModel {
  readonly languages = signal<readonly string[]>([]);
  readonly floor_language = signal('');
  readonly booths = signal<readonly Booth[]>([]);
  // This participant's choice: 'floor' or a language, and the floor level under it.
  readonly channel = signal<string>(kFloor);
  readonly floor_level = signal(kDefaultFloorLevel);
  // An interpreter's: 'floor' or the booth it relays.
  readonly source = signal<string>(kFloor);
  readonly slower = signal<readonly SlowerPlease[]>([]);
  // Hosts: how many listen to each channel, as of the welcome.
  readonly listeners = signal<Readonly<Record<string, number>>>({});
  private me_: ParticipantId = '';
  private seq_ = 0;

  readonly my_booth = computed<Booth | null>(
    () => this.booths.value.find((b) => b.interpreters.some((i) => i.participant === this.me_)) ?? null);

  booth(language: string): Booth | null {
    return this.booths.value.find((b) => b.language === language) ?? null;
  }

  // The language channel to receive (null: none). An interpreter hears the floor, or
  // relays another booth; everyone else hears the channel they chose.
  readonly wanted_channel = computed<string | null>(() => {
    const mine = this.my_booth.value;
    const pick = mine ? this.source.value : this.channel.value;
    if (pick === kFloor || !this.languages.value.includes(pick)) return null;
    if (mine && mine.language === pick) return null;
    return pick;
  });

  // Whether the chosen channel carries an interpreter now: a booth with someone live,
  // not muted, and the floor not already speaking that language.
  readonly channel_sounding = computed<boolean>(() => {
    const c = this.wanted_channel.value;
    if (!c || this.floor_language.value === c) return false;
    const b = this.booth(c);
    return !!b && b.live !== '' && !b.muted;
  });

  // Floor gain: full unless a sounding channel plays over it (then the chosen level; an
  // interpreter relaying hears the relay alone).
  readonly floor_gain = computed<number>(() => {
    if (!this.channel_sounding.value) return 1;
    return this.my_booth.value ? 0 : this.floor_level.value;
  });

  load(state: unknown, me: ParticipantId): void {
    this.me_ = me;
    const s = (state && typeof state === 'object' ? state : {}) as Fields;
    const listening = (s.listening ?? {}) as Fields;
    batch(() => {
      this.languages.value = strs(s.languages);
      this.floor_language.value = str(s.floor_language);
      this.booths.value = (Array.isArray(s.booths) ? s.booths as Fields[] : []).map(booth_of_json);
      this.channel.value = str(listening.channel, kFloor);
      this.floor_level.value = num(listening.floor_level, kDefaultFloorLevel);
      this.source.value = str(s.source, kFloor);
      this.listeners.value = (s.listeners && typeof s.listeners === 'object' ? s.listeners : {}) as Record<string, number>;
    });
  }

  reset(): void {
    this.load({}, '');
    this.slower.value = [];
  }

  // One conference event; the others are not ours.
  apply(e: Fields): void {
    switch (e.type) {
      case 'floor_language_changed':
        this.floor_language.value = str(e.language);
        return;
      case 'interpreter_assigned':
        this.update(str(e.language), (b) => {
          const rest = b.interpreters.filter((i) => i.participant !== str(e.participant));
          const i = b.interpreters.findIndex((x) => x.participant === str(e.participant));
          const entry = { participant: str(e.participant), sources: strs(e.sources) };
          return { ...b, interpreters: i >= 0 ? b.interpreters.map((x, k) => (k === i ? entry : x)) : [...rest, entry] };
        });
        return;
      case 'interpreter_unassigned': {
        const who = str(e.participant);
        this.booths.value = this.booths.value
          .map((b) => (b.language === str(e.language)
            ? { ...b, interpreters: b.interpreters.filter((i) => i.participant !== who) } : b))
          .filter((b) => b.interpreters.length > 0);
        if (who === this.me_) this.source.value = kFloor;
        return;
      }
      case 'booth_live_changed':
        this.update(str(e.language), (b) => ({ ...b, live: str(e.to), handover: null }));
        return;
      case 'handover_requested':
        this.update(str(e.language), (b) => ({
          ...b,
          handover: { from: str(e.from), to: str(e.to), requested_by: str(e.by), due_at: num(e.due_at) },
        }));
        return;
      case 'handover_cancelled':
        this.update(str(e.language), (b) => ({ ...b, handover: null }));
        return;
      case 'booth_mute_changed':
        this.update(str(e.language), (b) => ({ ...b, muted: e.muted === true }));
        return;
      case 'interpreter_source_changed':
        if (str(e.participant) === this.me_) this.source.value = str(e.source, kFloor);
        return;
      case 'listening_changed':
        if (str(e.participant) === this.me_) {
          batch(() => {
            this.channel.value = str(e.channel, kFloor);
            this.floor_level.value = num(e.floor_level, kDefaultFloorLevel);
          });
        }
        return;
      case 'slower_please_asked':
        this.seq_ += 1;
        this.slower.value = [...this.slower.value.slice(-9),
          { seq: this.seq_, participant: str(e.participant), language: str(e.language), at: num(e.at) }];
        return;
      default:
    }
  }

  // Our own choice, shown at once; the server's listening_changed confirms it.
  choose(channel: string, floor_level: number): void {
    batch(() => {
      this.channel.value = channel;
      this.floor_level.value = floor_level;
    });
  }

  private update(language: string, change: (b: Booth) => Booth): void {
    const found = this.booths.value.some((b) => b.language === language);
    const base: Booth = { language, interpreters: [], live: '', muted: false, handover: null };
    this.booths.value = found
      ? this.booths.value.map((b) => (b.language === language ? change(b) : b))
      : [...this.booths.value, change(base)];
  }
}
