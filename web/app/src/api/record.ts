// The conference record (docs/record.schema.json, docs/record.md) as the app reads it,
// and the calls that fetch it: GET /api/v1/conferences/{name}/record[.html|.zip] with an
// organizer session or a join token (organizer, or press once the record is published).

export interface RecordPerson {
  id: string;
  name: string | null;
  role: string;
  organization: string | null;
}

export interface RecordAgendaItem {
  id: string;
  title: string;
  language: string;
  planned_speakers: string[];
  planned_ms: number;
  planned_start: string | null;
  started_at: string | null;
  ended_at: string | null;
  actual_ms: number | null;
  status: 'pending' | 'running' | 'done' | 'skipped';
}

export interface RecordSpeech {
  number: number;
  speaker: RecordPerson;
  item: string | null;
  language: string;
  started_at: string;
  ended_at: string | null;
  duration_ms: number;
  speaking_ms: number;
  allotted_ms: number;
  end_reason: string;
  interpreters: { language: string; interpreter: RecordPerson; from: string; to: string | null }[];
  // url is a signed link (plays without credentials, for a few hours); audio_streams says
  // which audio track of the file carries which language.
  playback: {
    recording: number; offset_s: number; url: string; languages: string[];
    audio_streams: { language: string; audio_stream: number }[];
  } | null;
}

export interface RecordQuestion {
  id: number;
  text: string;
  asked_by: RecordPerson;
  asked_at: string;
  votes: number;
  status: 'open' | 'picked' | 'answered';
  picked_at: string | null;
  closed_at: string | null;
  closed_by: RecordPerson | null;
  answered_by: RecordPerson[];
}

export interface ConferenceRecord {
  schema_version: 1;
  conference: {
    id: string; title: string; description: string; languages: string[];
    state: 'scheduled' | 'open' | 'live' | 'ended';
    scheduled_start: string | null; scheduled_end: string | null;
    live_at: string | null; ended_at: string | null;
  };
  generated_at: string;
  agenda: RecordAgendaItem[];
  speeches: RecordSpeech[];
  questions: RecordQuestion[];
  chat: { id: number; from: RecordPerson; at: string; text: string }[] | null;
  participants: { organization: string | null; people: RecordPerson[]; unnamed_by_role: Record<string, number> }[];
  recordings: { id: number; started_at: string; ended_at: string | null; languages: string[]; url: string }[];
  notes: string[];
}

export type RecordFormat = 'record' | 'record.html' | 'record.zip';

export class RecordError extends Error {
  constructor(readonly status: number, readonly detail: string) {
    super(detail);
  }
}

type Fetch = typeof fetch;

export function record_url(conference: string, format: RecordFormat): string {
  return `/api/v1/conferences/${encodeURIComponent(conference)}/${format}`;
}

async function fetch_record(conference: string, format: RecordFormat, token: string,
  fetch_: Fetch): Promise<Response> {
  const response = await fetch_(record_url(conference, format), {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = (await response.json()) as { detail?: unknown };
      if (typeof problem.detail === 'string') detail = problem.detail;
    } catch { /* not a problem document */ }
    throw new RecordError(response.status, detail);
  }
  return response;
}

export async function load_record(conference: string, token: string,
  fetch_: Fetch = (...a) => fetch(...a)): Promise<ConferenceRecord> {
  const response = await fetch_record(conference, 'record', token, fetch_);
  return (await response.json()) as ConferenceRecord;
}

// The HTML page or the ZIP as a file: fetched with the token (a plain link could not
// carry it), then handed to the browser as a download.
export async function download_record(conference: string, format: 'record.html' | 'record.zip',
  token: string, fetch_: Fetch = (...a) => fetch(...a)): Promise<void> {
  const response = await fetch_record(conference, format, token, fetch_);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = format === 'record.zip' ? `${conference}-record.zip` : `${conference}-record.html`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// "/app/record/<name>" → "<name>"; null for any other path.
export function record_conference_from_path(pathname: string): string | null {
  const match = /^\/app\/record\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}
