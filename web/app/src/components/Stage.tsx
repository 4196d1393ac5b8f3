// Stage: the floor holder (else the newest publisher) large, everyone else in a strip,
// the active speaker outlined, a banner while reconnecting; beside it the panels the
// role uses: moderator controls, the participant's own controls, Q&A, chat, and the
// live timeline for the press and hosts.
import { t, format_time } from '../i18n/i18n';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { in_audience, is_host } from '../state/conference_model';
import { ChatPanel } from './ChatPanel';
import { FloorBar } from './FloorBar';
import { HostPanel } from './HostPanel';
import { InterpretationBooths } from './InterpretationBooths';
import { InterpretationAudio, InterpretationPicker } from './InterpretationPicker';
import { InterpreterConsole } from './InterpreterConsole';
import { MyPanel } from './MyPanel';
import { QAPanel } from './QAPanel';
import { AgendaView } from './AgendaView';
import { Timeline } from './Timeline';
import { VideoTile } from './VideoTile';

interface Props {
  store: ConferenceStore;
  session: Session;
  local_stream: MediaStream | null;
  joined_at: Date;
  on_leave(): void;
  on_rejoin(): void;
}

export function Stage({ store, session, local_stream: _initial_stream, joined_at, on_leave, on_rejoin }: Props) {
  const local_stream = session.local.value;
  const status = store.status.value;
  const me = store.me.value;
  const featured = store.featured.value;
  const speaker = store.active_speaker.value;
  const streams = session.streams.value;
  // The strip is the panel (and anyone sending video); the audience is a head count.
  const others = [...store.participants.value.values()]
    .filter((p) => p.id !== featured && (!in_audience(p.role) || streams.has(p.id)));
  const audience = store.audience.value;
  const error = store.error.value;
  // With languages, remote voices play through the listening graph (floor + channel).
  const listening = store.interpretation.languages.value.length > 0;

  if (status === 'left' || status === 'error') {
    return (
      <main id="main" class="stage-ended">
        <p role={status === 'error' ? 'alert' : 'status'}>
          {status === 'error' && error ? t('stage.error', { message: `${error.code}: ${error.message}` }) : t('stage.left')}
        </p>
        <button type="button" class="primary" onClick={on_rejoin}>{t('stage.rejoin')}</button>
      </main>
    );
  }

  return (
    <main id="main" class="stage" aria-labelledby="stage-heading" data-status={status}>
      {status === 'reconnecting' ? (
        <div class="banner" role="alert" data-testid="reconnecting">{t('stage.reconnecting')}</div>
      ) : null}
      <header class="stage-bar">
        <h1 id="stage-heading">{store.model.title.value ?? store.conference.value ?? t('stage.heading')}</h1>
        <p class="stage-status">
          {status === 'connecting' ? t('stage.connecting')
            : session.publishing.value ? t('stage.publishing') : t('stage.watching')}
          {' · '}
          {t('stage.joined_at', { time: format_time(joined_at) })}
          {status !== 'connecting' ? <span data-testid="audience">{' · '}{t('stage.audience', { count: String(audience) })}</span> : null}
        </p>
        {store.model.recording.value
          ? <span class="recording-badge" role="status" data-testid="recording">{t('stage.recording')}</span> : null}
        <button type="button" class="danger" onClick={on_leave}>{t('stage.leave')}</button>
      </header>
      {status !== 'connecting' ? <FloorBar store={store} /> : null}
      {listening && status === 'joined' ? <InterpretationAudio store={store} session={session} /> : null}
      {listening && me?.role !== 'interpreter' ? <InterpretationPicker store={store} session={session} /> : null}
      {me && store.model.people.value.get(me.id)?.presence === 'waiting' ? <p class="notice" role="status" data-testid="lobby-wait">{t('stage.lobby_wait')}</p> : null}
      <div class="stage-grid">
      <div class="stage-main">
      <section class="featured" aria-label={t('stage.featured')}>
        {featured ? (
          <VideoTile
            stream={featured === me?.id ? local_stream : streams.get(featured) ?? null}
            label={store.name_of(featured)}
            speaking={speaker === featured}
            participant={featured}
            muted={listening}
            large
            on_height={featured === me?.id ? undefined : (h) => session.report_video_height(streams.get(featured) ?? null, h)}
          />
        ) : (
          <p class="empty">{t('stage.empty')}</p>
        )}
      </section>
      <section class="strip" aria-label={t('stage.strip')}>
        <ul>
          {me ? (
            <li key={me.id}>
              <VideoTile
                stream={session.publishing.value ? local_stream : null}
                label={t('stage.you', { name: me.name })}
                speaking={speaker === me.id}
                participant={me.id}
                self
              />
            </li>
          ) : null}
          {others.map((p) => (
            <li key={p.id}>
              <VideoTile
                stream={streams.get(p.id) ?? null}
                label={`${p.name} · ${t(`role.${p.role}`)}`}
                speaking={speaker === p.id}
                participant={p.id}
                muted={listening}
                on_height={(h) => session.report_video_height(streams.get(p.id) ?? null, h)}
              />
            </li>
          ))}
        </ul>
      </section>
      </div>
      {me && status === 'joined' ? (
        <aside class="stage-side" aria-label={t('stage.panels')}>
          {is_host(me.role) ? <HostPanel store={store} session={session} /> : <AgendaView store={store} />}
          {me.role === 'interpreter' ? <InterpreterConsole store={store} session={session} /> : null}
          {is_host(me.role) ? <InterpretationBooths store={store} session={session} /> : null}
          <MyPanel store={store} session={session} />
          <QAPanel store={store} session={session} />
          {me.role === 'press' || is_host(me.role) ? <Timeline store={store} /> : null}
          <ChatPanel store={store} session={session} />
        </aside>
      ) : null}
      </div>
    </main>
  );
}
