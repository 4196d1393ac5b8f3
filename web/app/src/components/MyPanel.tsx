// What this participant can do themselves: yield the floor, accept an unmute request,
// switch camera or microphone without rejoining, raise or lower a hand with a topic.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { list_devices, open_devices } from '../media/devices';
import type { DeviceLists } from '../media/devices';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';

interface Props { store: ConferenceStore; session: Session }

const kHandRoles = new Set(['speaker', 'attendee', 'press']);

export function MyPanel({ store, session }: Props) {
  const m = store.model;
  const me = store.me.value;
  const [topic, set_topic] = useState('');
  const [devices, set_devices] = useState<DeviceLists>({ cameras: [], microphones: [] });
  const publishing = session.publishing.value;
  useEffect(() => {
    if (!publishing) return;
    list_devices().then(set_devices).catch(() => undefined);
  }, [publishing]);
  if (!me) return null;
  const holder = m.floor.value?.participant === me.id;
  const hand = m.queue.value.find((q) => q.participant === me.id);
  const asked = m.unmute_asked.value;
  const current = (kind: 'audio' | 'video') =>
    session.local.value?.getTracks().find((tr) => tr.kind === kind)?.getSettings().deviceId ?? '';
  const switch_device = async (kind: 'audio' | 'video', id: string) => {
    const stream = await open_devices(kind === 'video' ? { camera: id, microphone: null } : { camera: null, microphone: id });
    const track = stream?.getTracks()[0];
    if (track) await session.replace_track(track);
  };

  return (
    <section class="panel my-panel" aria-labelledby="my-heading" data-testid="my-panel">
      <h2 id="my-heading">{t('me.heading', { role: t(`role.${me.role}`) })}</h2>
      {holder ? (
        <button type="button" class="primary" data-testid="yield" onClick={() => void session.command('yield-floor')}>{t('me.yield')}</button>
      ) : null}
      {[...asked].map((kind) => (
        <div key={kind} class="notice" role="alert">
          <p>{t(kind === 'audio' ? 'me.unmute_asked_audio' : 'me.unmute_asked_video')}</p>
          <button type="button" class="primary" onClick={() => void session.command('accept-unmute', { kind })}>{t('me.unmute')}</button>
        </div>
      ))}
      {kHandRoles.has(me.role) && !holder && m.state.value !== 'ended' ? (
        hand ? (
          <div class="row">
            <span data-testid="my-hand">{t('me.hand_position', { position: String(hand.position) })}</span>
            <button type="button" data-testid="lower-hand" onClick={() => void session.command('lower-hand')}>{t('me.lower_hand')}</button>
          </div>
        ) : (
          <form class="row" onSubmit={(e) => {
            e.preventDefault();
            void session.command('raise-hand', topic.trim() ? { topic: topic.trim() } : {}).then((r) => { if (r.ok) set_topic(''); });
          }}>
            <label>
              <span>{t('me.topic')}</span>
              <input type="text" data-testid="hand-topic" value={topic} maxLength={200} onInput={(e) => set_topic(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary" data-testid="raise-hand">{t('me.raise_hand')}</button>
          </form>
        )
      ) : null}
      {publishing ? (
        <div class="row" role="group" aria-label={t('me.devices')}>
          <label>
            <span>{t('prejoin.camera')}</span>
            <select value={current('video')} onChange={(e) => void switch_device('video', e.currentTarget.value)}>
              {devices.cameras.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || d.deviceId}</option>)}
            </select>
          </label>
          <label>
            <span>{t('prejoin.microphone')}</span>
            <select value={current('audio')} onChange={(e) => void switch_device('audio', e.currentTarget.value)}>
              {devices.microphones.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || d.deviceId}</option>)}
            </select>
          </label>
        </div>
      ) : null}
      {session.refusal.value ? <p class="notice error" role="alert">{t('me.refused', { reason: session.refusal.value })}</p> : null}
    </section>
  );
}
