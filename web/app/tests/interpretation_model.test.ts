import { describe, expect, it } from 'vitest';
import { InterpretationModel, kDefaultFloorLevel } from '../src/state/interpretation_model';

const state = {
  languages: ['he', 'ru', 'en'],
  floor_language: 'he',
  booths: [{
    language: 'ru', live: 'p5', muted: false, handover: null,
    interpreters: [{ participant: 'p5', sources: ['he'] }, { participant: 'p6', sources: [] }],
  }],
  listening: { channel: 'floor', floor_level: kDefaultFloorLevel },
  source: 'floor',
};

describe('InterpretationModel', () => {
  it('plays the channel over the ducked floor only while an interpreter is live in it', () => {
    const m = new InterpretationModel();
    m.load(state, 'p9');
    expect(m.wanted_channel.value).toBeNull();
    expect(m.floor_gain.value).toBe(1);
    m.choose('ru', 0.3);
    expect(m.wanted_channel.value).toBe('ru');
    expect(m.channel_sounding.value).toBe(true);
    expect(m.floor_gain.value).toBe(0.3);
    m.apply({ type: 'booth_mute_changed', language: 'ru', muted: true });
    expect(m.floor_gain.value).toBe(1);
    m.apply({ type: 'booth_mute_changed', language: 'ru', muted: false });
    m.apply({ type: 'floor_language_changed', language: 'ru' });
    expect(m.channel_sounding.value).toBe(false);  // the floor speaks Russian already
    m.apply({ type: 'floor_language_changed', language: 'he' });
    m.apply({ type: 'booth_live_changed', language: 'ru', from: 'p5', to: '' });
    expect(m.floor_gain.value).toBe(1);  // nobody live: the floor at full level
    m.choose('en', 0.3);
    expect(m.channel_sounding.value).toBe(false);  // no booth
  });

  it('follows booths and handovers, and an interpreter relays another booth', () => {
    const m = new InterpretationModel();
    m.load(state, 'p6');
    expect(m.my_booth.value?.language).toBe('ru');
    m.apply({ type: 'handover_requested', language: 'ru', from: 'p5', to: 'p6', by: 'p6', due_at: 5 });
    expect(m.booth('ru')?.handover?.to).toBe('p6');
    m.apply({ type: 'booth_live_changed', language: 'ru', from: 'p5', to: 'p6' });
    expect(m.booth('ru')?.live).toBe('p6');
    expect(m.booth('ru')?.handover).toBeNull();
    m.apply({ type: 'interpreter_assigned', participant: 'p7', language: 'en', sources: [] });
    m.apply({ type: 'booth_live_changed', language: 'en', from: '', to: 'p7' });
    m.apply({ type: 'interpreter_source_changed', participant: 'p6', source: 'en' });
    expect(m.wanted_channel.value).toBe('en');
    expect(m.floor_gain.value).toBe(0);  // relay alone
    m.apply({ type: 'interpreter_unassigned', participant: 'p7', language: 'en' });
    expect(m.booth('en')).toBeNull();
    m.apply({ type: 'slower_please_asked', participant: 'p6', language: 'ru', at: 1 });
    expect(m.slower.value).toHaveLength(1);
  });
});
