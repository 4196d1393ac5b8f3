// The conference record for the press (/app/record/<conference>?token=<join token>):
// the agenda as it happened, every speech with its language, interpreters and a link
// into the program recording, the Q&A, and who took part. The organizer opens it with
// their console session or an organizer join token; the press with their join token once
// the organizer has published the record. Downloads: the self-contained page and the ZIP.
import { useEffect, useState } from 'preact/hooks';
import { download_record, load_record, RecordError } from '../api/record';
import type { ConferenceRecord, RecordPerson } from '../api/record';
import { format_time, t } from '../i18n/i18n';
import type { MessageKey } from '../i18n/i18n';
import { token_from_url } from '../protocol/token';

const kOrganizerSessionKey = 'podium.organizer';  // the console's session (Console.tsx)

function credentials(href: string): string {
  const token = token_from_url(href);
  if (token) return token;
  try { return globalThis.sessionStorage?.getItem(kOrganizerSessionKey) ?? ''; } catch { return ''; }
}

export function duration_text(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`
    : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

const kRoles = ['organizer', 'moderator', 'speaker', 'interpreter', 'attendee', 'press'];

function role_text(role: string): string {
  return kRoles.includes(role) ? t(`role.${role}` as MessageKey) : role;
}

function Who({ person }: { person: RecordPerson }) {
  return (
    <span>
      {person.name !== null ? <bdi>{person.name}</bdi> : <span class="hint">{t('record.not_named')}</span>}
      {' '}
      <span class="hint">
        ({role_text(person.role)}{person.organization !== null ? <>, <bdi>{person.organization}</bdi></> : null})
      </span>
    </span>
  );
}

function clock(iso: string | null): string {
  return iso ? format_time(new Date(iso)) : '—';
}

function message_of(error: unknown): string {
  if (error instanceof RecordError) {
    if (error.status === 403) return t('record.forbidden', { detail: error.detail });
    if (error.status === 401) return t('record.unauthorized', { detail: error.detail });
    return t('record.failed', { detail: error.detail });
  }
  return t('record.failed', { detail: error instanceof Error ? error.message : String(error) });
}

export function RecordPage({ conference, href }: { conference: string; href: string }) {
  const token = credentials(href);
  const [record, set_record] = useState<ConferenceRecord | null>(null);
  const [error, set_error] = useState<string | null>(token ? null : t('record.no_token'));
  const [busy, set_busy] = useState(false);

  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    load_record(conference, token).then(
      (r) => { if (!cancelled) set_record(r); },
      (e: unknown) => { if (!cancelled) set_error(message_of(e)); });
    return () => { cancelled = true; };
  }, [conference, token]);

  const download = (format: 'record.html' | 'record.zip') => {
    set_busy(true);
    download_record(conference, format, token).catch((e: unknown) => set_error(message_of(e)))
      .finally(() => set_busy(false));
  };

  return (
    <main id="main" class="console record-page">
      <h1>{record ? <bdi>{record.conference.title}</bdi> : t('record.heading')}</h1>
      {error ? <p class="notice error" role="alert">{error}</p> : null}
      {!record && !error ? <p aria-live="polite">{t('record.loading')}</p> : null}
      {record ? (
        <>
          <p class="hint">
            {t('record.heading')} · {t(`record.state.${record.conference.state}` as MessageKey)} ·{' '}
            {t('record.generated', { time: clock(record.generated_at) })}
          </p>
          <div class="row">
            <button type="button" disabled={busy} onClick={() => download('record.zip')}>{t('record.download_zip')}</button>
            <button type="button" disabled={busy} onClick={() => download('record.html')}>{t('record.download_html')}</button>
          </div>
          {record.notes.map((note) => <p class="notice" key={note}>{note}</p>)}

          <section class="panel" aria-labelledby="record-agenda">
            <h2 id="record-agenda">{t('record.agenda')}</h2>
            {record.agenda.length === 0 ? <p class="hint">{t('record.none')}</p> : (
              <table>
                <thead><tr><th>{t('record.item')}</th><th>{t('record.planned')}</th><th>{t('record.actual')}</th><th>{t('record.status')}</th></tr></thead>
                <tbody>
                  {record.agenda.map((a) => (
                    <tr key={a.id}>
                      <td><bdi>{a.title}</bdi></td>
                      <td>{a.planned_start ? `${clock(a.planned_start)}, ` : ''}{duration_text(a.planned_ms)}</td>
                      <td>{a.started_at ? `${clock(a.started_at)}–${a.ended_at ? clock(a.ended_at) : '…'}, ${duration_text(a.actual_ms ?? 0)}` : '—'}</td>
                      <td>{t(`record.item_status.${a.status}` as MessageKey)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section class="panel" aria-labelledby="record-speeches">
            <h2 id="record-speeches">{t('record.speeches')}</h2>
            {record.speeches.length === 0 ? <p class="hint">{t('record.none')}</p> : (
              <table>
                <thead><tr><th>#</th><th>{t('record.speaker')}</th><th>{t('record.language')}</th><th>{t('record.time')}</th><th>{t('record.interpreters')}</th><th>{t('record.recording')}</th></tr></thead>
                <tbody>
                  {record.speeches.map((s) => (
                    <tr key={s.number} data-speech={s.number}>
                      <td>{s.number}</td>
                      <td><Who person={s.speaker} /></td>
                      <td>{s.language || '—'}</td>
                      <td>{clock(s.started_at)}–{s.ended_at ? clock(s.ended_at) : t('record.speaking')}, {duration_text(s.duration_ms)}</td>
                      <td>{s.interpreters.length === 0 ? '—' : s.interpreters.map((i) => (
                        <div key={`${i.language}-${i.from}`}>{i.language}: <Who person={i.interpreter} /></div>))}</td>
                      <td>{s.playback ? <>
                        <a href={s.playback.url}>{t('record.play_from', { time: duration_text(s.playback.offset_s * 1000) })}</a>
                        {(s.playback.audio_streams ?? []).length > 1 &&
                          <span class="hint" data-audio-streams> ({s.playback.audio_streams.map((a) => `${a.audio_stream + 1} ${a.language}`).join(', ')})</span>}
                      </> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section class="panel" aria-labelledby="record-questions">
            <h2 id="record-questions">{t('record.questions')}</h2>
            {record.questions.length === 0 ? <p class="hint">{t('record.none')}</p> : (
              <ul>
                {record.questions.map((q) => (
                  <li key={q.id}>
                    <q dir="auto">{q.text}</q>{' '}
                    <span class="hint">{t('record.asked_by')}</span> <Who person={q.asked_by} />{' '}
                    · {t(`record.question_status.${q.status}` as MessageKey)}
                    {q.answered_by.length > 0 ? <> · {t('record.answered_by')} {q.answered_by.map((p) => <Who key={p.id} person={p} />)}</> : null}
                  </li>
                ))}
              </ul>
            )}
          </section>

          {record.chat !== null ? (
            <section class="panel" aria-labelledby="record-chat">
              <h2 id="record-chat">{t('record.chat')}</h2>
              {record.chat.length === 0 ? <p class="hint">{t('record.none')}</p> : (
                <ul>{record.chat.map((m) => <li key={m.id}>{clock(m.at)} <Who person={m.from} />: <span dir="auto">{m.text}</span></li>)}</ul>
              )}
            </section>
          ) : null}

          <section class="panel" aria-labelledby="record-participants">
            <h2 id="record-participants">{t('record.participants')}</h2>
            {record.participants.map((g) => (
              <div key={g.organization ?? ''}>
                <h3><bdi>{g.organization ?? t('record.no_organization')}</bdi></h3>
                <ul>
                  {g.people.map((p) => <li key={p.id}><bdi>{p.name}</bdi> <span class="hint">({role_text(p.role)})</span></li>)}
                  {Object.entries(g.unnamed_by_role).map(([role, count]) => (
                    <li key={role} class="hint">{t('record.unnamed', { count: String(count), role: role_text(role) })}</li>))}
                </ul>
              </div>
            ))}
          </section>
        </>
      ) : null}
    </main>
  );
}
