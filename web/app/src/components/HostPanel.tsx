// Moderator controls (organizers and moderators): the conference's state, the agenda,
// the floor and its timer, the speaker queue, the lobby and the people (mute, ask to
// unmute, promote, demote). Every button is one signaling command; the server decides.
// The people are the panel, all listed, and the audience, which can be thousands: a
// search by name and at most kAudienceShown rows of it at a time.
import { useState } from 'preact/hooks';
import { format_number, t } from '../i18n/i18n';
import type { ParticipantId, Role } from '../protocol/signaling.gen';
import type { CommandArgs, CommandName, Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { in_audience, type AgendaItem } from '../state/conference_model';
import { AgendaEditor } from './AgendaEditor';

interface Props { store: ConferenceStore; session: Session }

const kMinute = 60000;
const kAudienceRoles: readonly Role[] = ['speaker', 'interpreter', 'attendee', 'press'];
// Rows of the audience rendered at once; the search finds anyone else.
export const kAudienceShown = 50;

export function HostPanel({ store, session }: Props) {
  const m = store.model;
  const state = m.state.value;
  const floor = m.floor.value;
  const me = store.me.value;
  const people = [...m.people.value.values()].filter((p) => p.presence === 'present' && p.id !== me?.id);
  const panel = people.filter((p) => !in_audience(p.role));
  const audience = people.filter((p) => in_audience(p.role));
  const [search, set_search] = useState('');
  const needle = search.trim().toLocaleLowerCase();
  const matching = needle ? audience.filter((p) => p.name.toLocaleLowerCase().includes(needle)) : audience;
  const shown = matching.slice(0, kAudienceShown);
  const [grant_to, set_grant_to] = useState<string>('');
  // The floor goes to the panel or to someone the search shows; a choice stays offered
  // after the search moves on, so the select never holds someone it does not list.
  const chosen = people.find((p) => p.id === grant_to);
  const offered = [...panel, ...shown];
  if (chosen && !offered.includes(chosen)) offered.push(chosen);
  const [minutes, set_minutes] = useState('5');
  const run = (command: CommandName, args: CommandArgs = {}) => { void session.command(command, args); };
  const ms = () => Math.max(0, Math.round(Number(minutes) * kMinute)) || 0;

  const start_item = async (item: AgendaItem) => {
    const result = await session.command('start-item', { item: item.id });
    // Agenda speakers are invited people's names: give the floor to the first one here.
    const first = item.speakers[0];
    if (!result.ok || !first) return;
    const speaker = [...m.people.value.values()].find((p) => p.presence === 'present' && (p.id === first || p.name === first));
    if (speaker && m.floor.value?.participant !== speaker.id) {
      await session.command('grant-floor', { participant: speaker.id, ms: item.planned_ms });
    }
  };

  return (
    <section class="panel host-panel" aria-labelledby="host-heading" data-testid="host-panel">
      <h2 id="host-heading">{t('host.heading')}</h2>
      <div class="row" role="group" aria-label={t('host.conference')}>
        {state === 'scheduled' ? <button type="button" data-testid="open" onClick={() => run('open')}>{t('host.open')}</button> : null}
        {state === 'scheduled' || state === 'open'
          ? <button type="button" class="primary" data-testid="go-live" onClick={() => run('go-live')}>{t('host.go_live')}</button> : null}
        {state !== 'ended' ? <button type="button" class="danger" data-testid="end" onClick={() => run('end')}>{t('host.end')}</button> : null}
        {state !== 'ended'
          ? (m.recording.value
            ? <button type="button" data-testid="stop-recording" onClick={() => run('stop-recording')}>{t('host.stop_recording')}</button>
            : <button type="button" data-testid="start-recording" onClick={() => run('start-recording')}>{t('host.start_recording')}</button>)
          : null}
      </div>

      <AgendaEditor store={store} session={session} start_item={start_item} />

      <h3>{t('host.floor')}</h3>
      <div class="row">
        <label>
          <span>{t('host.grant_to')}</span>
          <select value={grant_to} onChange={(e) => set_grant_to(e.currentTarget.value)} data-testid="grant-to">
            <option value="">{t('host.choose')}</option>
            {offered.map((p) => <option key={p.id} value={p.id}>{`${p.name} · ${t(`role.${p.role}`)}`}</option>)}
          </select>
        </label>
        <label>
          <span>{t('host.minutes')}</span>
          <input type="number" min="0" max="600" step="1" value={minutes} class="narrow"
            onInput={(e) => set_minutes(e.currentTarget.value)} />
        </label>
        <button type="button" class="primary" data-testid="grant-floor" disabled={!grant_to}
          onClick={() => run('grant-floor', { participant: grant_to, ms: ms() })}>{t('host.grant')}</button>
      </div>
      {floor ? (
        <div class="row" role="group" aria-label={t('host.timer')}>
          <button type="button" data-testid="revoke-floor" onClick={() => run('revoke-floor')}>{t('host.revoke')}</button>
          <button type="button" onClick={() => run('extend-floor', { ms: kMinute })}>{t('host.extend', { minutes: '1' })}</button>
          <button type="button" onClick={() => run('extend-floor', { ms: 5 * kMinute })}>{t('host.extend', { minutes: '5' })}</button>
          {floor.paused
            ? <button type="button" onClick={() => run('resume-floor')}>{t('host.resume')}</button>
            : <button type="button" onClick={() => run('pause-floor')}>{t('host.pause')}</button>}
        </div>
      ) : null}

      <h3>{t('host.queue')}</h3>
      {m.queue.value.length === 0 ? <p class="hint">{t('host.queue_empty')}</p> : (
        <ol class="queue-list" data-testid="queue">
          {m.queue.value.map((q, i) => (
            <li key={q.participant} data-participant={q.participant}>
              <span>{store.name_of(q.participant)}{q.topic ? ` — ${q.topic}` : ''}</span>
              <span class="row">
                <button type="button" disabled={i === 0} aria-label={t('host.move_up', { name: store.name_of(q.participant) })}
                  onClick={() => run('move-hand', { participant: q.participant, index: i - 1 })}>↑</button>
                <button type="button" disabled={i === m.queue.value.length - 1}
                  aria-label={t('host.move_down', { name: store.name_of(q.participant) })}
                  onClick={() => run('move-hand', { participant: q.participant, index: i + 1 })}>↓</button>
                <button type="button" class="primary" data-testid="grant-hand" onClick={() => run('grant-hand', { participant: q.participant, ms: ms() })}>
                  {t('host.grant')}</button>
                <button type="button" data-testid="dismiss-hand" onClick={() => run('dismiss-hand', { participant: q.participant })}>{t('host.dismiss')}</button>
              </span>
            </li>
          ))}
        </ol>
      )}

      <h3>{t('host.lobby')}</h3>
      {m.lobby.value.length === 0 ? <p class="hint">{t('host.lobby_empty')}</p> : (
        <>
          <button type="button" onClick={() => run('admit-all')}>{t('host.admit_all')}</button>
          <ul class="lobby-list">
            {m.lobby.value.slice(0, kAudienceShown).map((p) => (
              <li key={p.id}>
                <span>{p.name}</span>
                <button type="button" class="primary" onClick={() => run('admit', { participant: p.id })}>{t('host.admit')}</button>
                <button type="button" onClick={() => run('reject', { participant: p.id })}>{t('host.reject')}</button>
              </li>
            ))}
          </ul>
          {m.lobby.value.length > kAudienceShown ? (
            <p class="hint" data-testid="lobby-more">
              {t('host.lobby_more', { count: format_number(m.lobby.value.length - kAudienceShown) })}</p>
          ) : null}
        </>
      )}

      <h3>{t('host.people')}</h3>
      <div data-testid="people">
        <h4>{t('host.panel', { count: format_number(panel.length) })}</h4>
        <ul class="people-list" data-testid="panel-people">
          {panel.map((p) => <PersonRow key={p.id} id={p.id} store={store} run={run} my_role={me?.role} />)}
        </ul>
        <h4 id="audience-heading">{t('host.audience', { count: format_number(audience.length) })}</h4>
        {audience.length > kAudienceShown || needle ? (
          <label class="inline">
            <span class="visually-hidden">{t('host.find')}</span>
            <input type="search" value={search} placeholder={t('host.find')} data-testid="people-search"
              onInput={(e) => set_search(e.currentTarget.value)} />
          </label>
        ) : null}
        <ul class="people-list" data-testid="audience-people" aria-labelledby="audience-heading">
          {shown.map((p) => <PersonRow key={p.id} id={p.id} store={store} run={run} my_role={me?.role} />)}
        </ul>
        {needle && matching.length === 0 ? <p class="hint">{t('host.no_match')}</p> : null}
        {matching.length > shown.length ? (
          <p class="hint" data-testid="people-more">
            {t('host.showing', { shown: format_number(shown.length), count: format_number(matching.length) })}</p>
        ) : null}
      </div>
    </section>
  );
}

function PersonRow({ id, store, run, my_role }: {
  id: ParticipantId; store: ConferenceStore; run: (c: CommandName, a?: CommandArgs) => void; my_role: Role | undefined;
}) {
  const p = store.model.people.value.get(id);
  if (!p) return null;
  const roles: readonly Role[] = my_role === 'organizer' ? ['moderator', ...kAudienceRoles] : kAudienceRoles;
  return (
    <li data-participant={p.id}>
      <span>{p.name}</span>
      <label class="inline">
        <span class="visually-hidden">{t('host.role_of', { name: p.name })}</span>
        <select value={p.role} onChange={(e) => run('change-role', { participant: p.id, role: e.currentTarget.value as Role })}
          data-testid="role-select">
          {(roles.includes(p.role) ? roles : [p.role, ...roles]).map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
        </select>
      </label>
      {p.audio_muted
        ? <button type="button" onClick={() => run('ask-to-unmute', { participant: p.id, kind: 'audio' })}>{t('host.ask_unmute')}</button>
        : <button type="button" onClick={() => run('mute', { participant: p.id, kind: 'audio' })}>{t('host.mute')}</button>}
      {p.video_muted
        ? <button type="button" onClick={() => run('ask-to-unmute', { participant: p.id, kind: 'video' })}>{t('host.ask_camera_on')}</button>
        : <button type="button" onClick={() => run('mute', { participant: p.id, kind: 'video' })}>{t('host.camera_off')}</button>}
    </li>
  );
}
