// The live timeline for the press: who spoke, agenda progress, questions, as recorded,
// from the conference's start (the stored pages are fetched on open and on "earlier").
import { useEffect, useState } from 'preact/hooks';
import { load_timeline_page } from '../api/timeline';
import { t, format_time } from '../i18n/i18n';
import { token_from_url } from '../protocol/token';
import type { MessageKey } from '../i18n/i18n';
import type { ConferenceStore } from '../state/conference_store';
import type { TimelineEntry } from '../state/conference_model';

const kKeys: Record<string, MessageKey> = {
  conference_state_changed: 'timeline.state',
  agenda_item_started: 'timeline.item_started',
  agenda_item_ended: 'timeline.item_ended',
  floor_granted: 'timeline.floor_granted',
  floor_released: 'timeline.floor_released',
  floor_time_up: 'timeline.time_up',
  role_changed: 'timeline.role_changed',
  question_asked: 'timeline.question_asked',
  question_status_changed: 'timeline.question_status',
  participant_joined: 'timeline.joined',
  participant_left: 'timeline.left',
};

function text_of(store: ConferenceStore, e: TimelineEntry): string | null {
  const key = kKeys[e.type];
  if (!key) return null;
  const f = e.fields;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const item = store.model.agenda.value.find((i) => i.id === s(f.item));
  return t(key, {
    name: s(f.name) || store.name_of(s(f.participant) || s(f.author)),
    state: s(f.to) && e.type === 'conference_state_changed' ? t(`state.${s(f.to) as 'live'}`) : '',
    role: e.type === 'role_changed' ? t(`role.${s(f.to) as 'speaker'}`) : '',
    title: s(f.title) || item?.title || s(f.item),
    text: s(f.text),
    status: e.type === 'question_status_changed' ? t(`qa.status.${s(f.status) as 'open'}`) : '',
  });
}

export function Timeline({ store }: { store: ConferenceStore }) {
  const conference = store.conference.value;
  const [busy, set_busy] = useState(false);
  const [failed, set_failed] = useState(false);
  const load = async (before: number | null) => {
    const token = token_from_url(window.location.href);
    if (!conference || !token) return;
    set_busy(true);
    try {
      const page = await load_timeline_page(conference, token, before);
      store.model.add_history(page.events, page.next_before);
      set_failed(false);
    } catch {
      set_failed(true);
    } finally {
      set_busy(false);
    }
  };
  useEffect(() => {
    if (!store.model.timeline_loaded.value) void load(null);
  }, [conference]);
  const before = store.model.timeline_before.value;
  const entries = store.model.timeline.value
    .map((e) => ({ e, text: text_of(store, e) }))
    .filter((x): x is { e: TimelineEntry; text: string } => x.text !== null)
    .reverse();
  return (
    <section class="panel timeline" aria-labelledby="timeline-heading" data-testid="timeline">
      <h2 id="timeline-heading">{t('timeline.heading')}</h2>
      {failed ? <p class="hint" role="status">{t('timeline.load_failed')}</p> : null}
      {entries.length === 0 ? <p class="hint">{t('timeline.empty')}</p> : (
        <ol class="timeline-list" reversed>
          {entries.map(({ e, text }) => (
            <li key={e.seq} data-type={e.type}>
              <time dateTime={new Date(e.at).toISOString()}>{format_time(new Date(e.at))}</time>{' '}
              <span>{text}</span>
            </li>
          ))}
        </ol>
      )}
      {before !== null ? (
        <button type="button" data-testid="timeline-earlier" disabled={busy} onClick={() => void load(before)}>
          {t('timeline.earlier')}</button>
      ) : null}
    </section>
  );
}
