// Stage: the featured participant (floor holder; for now the newest publisher) large,
// everyone else in a strip, the active speaker outlined, a banner while reconnecting.
import { t, format_time } from '../i18n/i18n';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { VideoTile } from './VideoTile';

interface Props {
  store: ConferenceStore;
  session: Session;
  local_stream: MediaStream | null;
  joined_at: Date;
  on_leave(): void;
  on_rejoin(): void;
}

export function Stage({ store, session, local_stream, joined_at, on_leave, on_rejoin }: Props) {
  const status = store.status.value;
  const me = store.me.value;
  const featured = store.featured.value;
  const speaker = store.active_speaker.value;
  const streams = session.streams.value;
  const others = [...store.participants.value.values()].filter((p) => p.id !== featured);
  const error = store.error.value;

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
        <h1 id="stage-heading">{store.conference.value ?? t('stage.heading')}</h1>
        <p class="stage-status">
          {status === 'connecting' ? t('stage.connecting')
            : session.publishing.value ? t('stage.publishing') : t('stage.watching')}
          {' · '}
          {t('stage.joined_at', { time: format_time(joined_at) })}
        </p>
        <button type="button" class="danger" onClick={on_leave}>{t('stage.leave')}</button>
      </header>
      <section class="featured" aria-label={t('stage.featured')}>
        {featured ? (
          <VideoTile
            stream={streams.get(featured) ?? null}
            label={store.name_of(featured)}
            speaking={speaker === featured}
            participant={featured}
            large
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
              />
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
