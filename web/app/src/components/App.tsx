import { useEffect, useMemo, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { stop_stream } from '../media/devices';
import { signaling_url, token_claims, token_from_url } from '../protocol/token';
import { Session } from '../rtc/session';
import { ConferenceStore } from '../state/conference_store';
import { LanguagePicker } from './LanguagePicker';
import { LiveRegion } from './LiveRegion';
import { PreJoin } from './PreJoin';
import { Stage } from './Stage';

interface Joined {
  session: Session;
  stream: MediaStream | null;
  at: Date;
}

// Read-only view for tests and a quick look in the console.
declare global {
  interface Window {
    podium?: { store: ConferenceStore; session: () => Session | null };
  }
}

export function App({ href }: { href: string }) {
  const token = useMemo(() => token_from_url(href), [href]);
  const claims = useMemo(() => (token ? token_claims(token) : null), [token]);
  const store = useMemo(() => new ConferenceStore(), []);
  const [joined, set_joined] = useState<Joined | null>(null);

  useEffect(() => {
    window.podium = { store, session: () => joined?.session ?? null };
  }, [store, joined]);

  useEffect(() => {
    if (!joined) return;
    const leave = () => joined.session.leave();
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, [joined]);

  const join = (stream: MediaStream | null) => {
    const session = new Session(store, signaling_url(token, window.location), token, stream);
    set_joined({ session, stream, at: new Date() });
    void session.start();
  };

  return (
    <div class="app">
      <a class="skip-link" href="#main">{t('app.skip')}</a>
      <header class="app-bar">
        <span class="brand">{t('app.title')}</span>
        <LanguagePicker />
      </header>
      {joined ? (
        <Stage
          store={store}
          session={joined.session}
          local_stream={joined.stream}
          joined_at={joined.at}
          on_leave={() => joined.session.leave()}
          on_rejoin={() => {
            stop_stream(joined.stream);
            store.reset('idle');
            set_joined(null);
          }}
        />
      ) : (
        <PreJoin claims={claims} on_join={join} />
      )}
      <LiveRegion store={store} />
    </div>
  );
}
