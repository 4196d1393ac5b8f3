import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { record_conference_from_path } from '../src/api/record';
import type { ConferenceRecord } from '../src/api/record';
import { duration_text, RecordPage } from '../src/components/RecordPage';
import { set_locale } from '../src/i18n/i18n';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const kPress = `${b64url('{"alg":"HS256"}')}.${b64url('{"conf":"sp","name":"Pat","role":"press"}')}.sig`;

const person = (id: string, name: string | null, role: string, organization: string | null = null) =>
  ({ id, name, role, organization });

const kRecord: ConferenceRecord = {
  schema_version: 1,
  conference: {
    id: 'sp', title: 'Strategic Partnership', description: '', languages: ['az', 'he'], state: 'ended',
    scheduled_start: '2026-11-25T10:00:00.000Z', scheduled_end: null,
    live_at: '2026-11-25T10:00:00.000Z', ended_at: '2026-11-25T11:00:00.000Z',
  },
  generated_at: '2026-11-25T11:05:00.000Z',
  agenda: [{
    id: 'mps', title: 'Members of both parliaments', language: 'az', planned_speakers: ['Aysel'],
    planned_ms: 600000, planned_start: '2026-11-25T10:00:00.000Z', started_at: '2026-11-25T10:01:00.000Z',
    ended_at: '2026-11-25T10:13:00.000Z', actual_ms: 720000, status: 'done',
  }],
  speeches: [{
    number: 1, speaker: person('p2', '<script>alert(1)</script>', 'speaker', 'Knesset'), item: 'mps',
    language: 'az', started_at: '2026-11-25T10:01:00.000Z', ended_at: '2026-11-25T10:06:00.000Z',
    duration_ms: 300000, speaking_ms: 300000, allotted_ms: 0, end_reason: 'yielded',
    interpreters: [{ language: 'he', interpreter: person('p5', 'Hana Levi', 'interpreter'),
      from: '2026-11-25T10:00:00.000Z', to: null }],
    playback: { recording: 7, offset_s: 90, url: '/api/v1/recordings/7/file?expires=1764100000&sig=c2ln#t=90.0',
      languages: ['az', 'he'],
      audio_streams: [{ language: 'az', audio_stream: 0 }, { language: 'he', audio_stream: 1 }] },
  }],
  questions: [{
    id: 1, text: 'When will it be signed?', asked_by: person('p9', null, 'attendee', 'Citizen'),
    asked_at: '2026-11-25T10:03:00.000Z', votes: 2, status: 'answered', picked_at: null, closed_at: null,
    closed_by: null, answered_by: [],
  }],
  chat: null,
  participants: [{ organization: 'Knesset', people: [person('p2', 'Yael', 'speaker', 'Knesset')],
    unnamed_by_role: { attendee: 3 } }],
  recordings: [],
  notes: ['The chat is not part of the record.'],
};

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  set_locale('en');
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const flush = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

function serve(status: number, body: unknown) {
  const fetch_ = vi.fn(async () => new Response(JSON.stringify(body), {
    status, headers: { 'Content-Type': status === 200 ? 'application/json' : 'application/problem+json' },
  }));
  vi.stubGlobal('fetch', fetch_);
  return fetch_;
}

describe('record page', () => {
  it('shows the record fetched with the press token, names as text', async () => {
    const fetch_ = serve(200, kRecord);
    act(() => render(<RecordPage conference="sp" href={`http://127.0.0.1/app/record/sp?token=${kPress}`} />, root));
    await flush();
    expect(fetch_).toHaveBeenCalledWith('/api/v1/conferences/sp/record',
      { headers: { Authorization: `Bearer ${kPress}` } });
    expect(root.querySelector('h1')?.textContent).toBe('Strategic Partnership');
    const speech = root.querySelector('[data-speech="1"]');
    expect(speech?.textContent).toContain('<script>alert(1)</script>');
    expect(root.querySelector('script')).toBeNull();
    expect(speech?.textContent).toContain('Hana Levi');
    // The signed link plays by URL alone; the audio tracks say which language is which.
    expect(speech?.querySelector('a')?.getAttribute('href')).toBe('/api/v1/recordings/7/file?expires=1764100000&sig=c2ln#t=90.0');
    expect(speech?.querySelector('[data-audio-streams]')?.textContent).toBe(' (1 az, 2 he)');
    expect(speech?.textContent).toContain('Play from 1:30');
    expect(root.textContent).toContain('not named');
    expect(root.textContent).toContain('3 × Attendee (not named)');
    expect(root.textContent).toContain('The chat is not part of the record.');
  });

  it('says when the organizer has not published the record', async () => {
    serve(403, { type: 'about:blank', title: 'Forbidden', status: 403, detail: 'not published yet' });
    act(() => render(<RecordPage conference="sp" href={`http://127.0.0.1/app/record/sp?token=${kPress}`} />, root));
    await flush();
    expect(root.querySelector('[role="alert"]')?.textContent).toBe(
      'The record is not available to you yet. (not published yet)');
  });

  it('reads in the chosen language', async () => {
    serve(200, kRecord);
    set_locale('he');
    act(() => render(<RecordPage conference="sp" href={`http://127.0.0.1/app/record/sp?token=${kPress}`} />, root));
    await flush();
    expect(root.textContent).toContain('נאומים');
  });

  it('routes /app/record/<name> and formats durations', () => {
    expect(record_conference_from_path('/app/record/sp-2025')).toBe('sp-2025');
    expect(record_conference_from_path('/app/record/')).toBeNull();
    expect(record_conference_from_path('/app/organizer')).toBeNull();
    expect(duration_text(65_000)).toBe('1:05');
    expect(duration_text(3_725_000)).toBe('1:02:05');
  });
});
