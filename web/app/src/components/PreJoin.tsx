// Pre-join: name, camera and microphone with a preview and a level meter, the language,
// and a clear message when the browser refuses the devices.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import type { MessageKey } from '../i18n/i18n';
import {
  classify_media_error, list_devices, open_devices, stop_stream,
} from '../media/devices';
import type { DeviceChoice, DeviceLists, DeviceProblem } from '../media/devices';
import { LevelMeter } from '../media/level_meter';
import type { TokenClaims } from '../protocol/token';
import { VideoTile } from './VideoTile';

const kProblemKeys: Record<DeviceProblem, MessageKey> = {
  'denied': 'devices.denied',
  'not-found': 'devices.not_found',
  'in-use': 'devices.in_use',
  'failed': 'devices.failed',
};

const kOff = 'off';

interface Props {
  claims: TokenClaims | null;
  // Called with the open devices (null: joining without them) and the name.
  on_join(stream: MediaStream | null, name: string): void;
}

export function PreJoin({ claims, on_join }: Props) {
  const [name, set_name] = useState(typeof claims?.name === 'string' ? claims.name : '');
  const [choice, set_choice] = useState<DeviceChoice>({ camera: '', microphone: '' });
  const [devices, set_devices] = useState<DeviceLists>({ cameras: [], microphones: [] });
  const [stream, set_stream] = useState<MediaStream | null>(null);
  const [problem, set_problem] = useState<DeviceProblem | null>(null);
  const [attempt, set_attempt] = useState(0);
  // Joining waits for the devices being opened, or it would join without them.
  const [opening, set_opening] = useState(true);
  const meter = useMemo(() => new LevelMeter(), []);
  const handed_over = useRef(false);

  useEffect(() => {
    let cancelled = false;
    let opened: MediaStream | null = null;
    set_problem(null);
    set_opening(true);
    open_devices(choice)
      .then(async (s) => {
        if (cancelled) { stop_stream(s); return; }
        opened = s;
        set_stream(s);
        set_opening(false);
        if (s) meter.start(s);
        // Labels and ids are only listed once permission was granted.
        set_devices(await list_devices());
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        set_stream(null);
        set_opening(false);
        set_problem(classify_media_error(error));
      });
    return () => {
      cancelled = true;
      meter.stop();
      if (!handed_over.current) stop_stream(opened);
    };
  }, [choice.camera, choice.microphone, attempt]);

  const can_join = claims !== null;
  const select_value = (id: string | null) => (id === null ? kOff : id);
  const from_select = (value: string) => (value === kOff ? null : value);

  return (
    <main id="main" class="prejoin" aria-labelledby="prejoin-heading">
      <h1 id="prejoin-heading">{t('prejoin.heading')}</h1>
      {claims?.conf ? <p class="conference-name">{t('prejoin.conference', { conference: String(claims.conf) })}</p> : null}
      {!can_join ? <p class="notice error" role="alert">{t('prejoin.no_token')}</p> : null}
      <div class="prejoin-grid">
        <div class="preview">
          <VideoTile stream={stream} label={t('prejoin.preview')} speaking={false} self large />
          <div
            class="meter"
            role="meter"
            aria-label={t('prejoin.level')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(meter.level.value * 100)}
          >
            <div class="meter-fill" style={{ inlineSize: `${Math.round(meter.level.value * 100)}%` }} />
          </div>
        </div>
        <form
          class="prejoin-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!can_join || opening) return;
            handed_over.current = true;
            meter.stop();
            on_join(stream, name.trim());
          }}
        >
          <label>
            <span>{t('prejoin.name')}</span>
            <input
              type="text"
              value={name}
              maxLength={128}
              autocomplete="name"
              aria-describedby="name-hint"
              onInput={(e) => set_name(e.currentTarget.value)}
            />
          </label>
          <p id="name-hint" class="hint">{t('prejoin.name_hint')}</p>
          <label>
            <span>{t('prejoin.camera')}</span>
            <select
              value={select_value(choice.camera)}
              onChange={(e) => set_choice({ ...choice, camera: from_select(e.currentTarget.value) })}
            >
              <option value="">{t('prejoin.device_default')}</option>
              {devices.cameras.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || d.deviceId}</option>)}
              <option value={kOff}>{t('prejoin.device_off')}</option>
            </select>
          </label>
          <label>
            <span>{t('prejoin.microphone')}</span>
            <select
              value={select_value(choice.microphone)}
              onChange={(e) => set_choice({ ...choice, microphone: from_select(e.currentTarget.value) })}
            >
              <option value="">{t('prejoin.device_default')}</option>
              {devices.microphones.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || d.deviceId}</option>)}
              <option value={kOff}>{t('prejoin.device_off')}</option>
            </select>
          </label>
          {problem ? (
            <div class="notice error" role="alert" data-problem={problem}>
              <p>{t(kProblemKeys[problem])}</p>
              <button type="button" onClick={() => set_attempt(attempt + 1)}>{t('devices.retry')}</button>
            </div>
          ) : null}
          <button type="submit" class="primary" disabled={!can_join || opening} aria-busy={opening}>{t('prejoin.join')}</button>
        </form>
      </div>
    </main>
  );
}
