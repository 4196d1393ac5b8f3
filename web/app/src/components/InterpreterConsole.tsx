// The interpreter's console: their booth, live or standby, the handover (request,
// countdown, confirm, cancel), what they listen to (the floor, or relay from another
// booth, with the live booths marked), mute the booth, and "slower please".
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { kFloor } from '../state/interpretation_model';
import { language_name } from './InterpretationPicker';

// Wall-clock now, re-rendered every 250 ms while `active` (a handover countdown).
function use_wall_clock(active: boolean): number {
  const [now, set_now] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    set_now(Date.now());
    const timer = setInterval(() => set_now(Date.now()), 250);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function InterpreterConsole({ store, session }: { store: ConferenceStore; session: Session }) {
  const model = store.interpretation;
  const me = store.me.value;
  const booth = model.my_booth.value;
  const handover = booth?.handover ?? null;
  const now = use_wall_clock(handover !== null);
  if (!me) return null;
  if (!booth) {
    return (
      <section class="panel interpreter-console" aria-label={t('interp.console')}>
        <h2>{t('interp.console')}</h2>
        <p class="hint">{t('interp.no_booth')}</p>
      </section>
    );
  }
  const live = booth.live === me.id;
  const seconds = handover ? Math.max(0, Math.ceil((handover.due_at - now) / 1000)) : 0;
  const in_handover = handover !== null && (handover.from === me.id || handover.to === me.id);
  const others = model.booths.value.filter((b) => b.language !== booth.language);
  return (
    <section class="panel interpreter-console" aria-label={t('interp.console')} data-testid="interpreter-console">
      <h2>{t('interp.booth', { language: language_name(booth.language) })}</h2>
      <p class={live ? 'booth-state live' : 'booth-state'} role="status" data-testid="booth-state">
        {booth.muted ? t('interp.muted') : live ? t('interp.live') : t('interp.standby')}
      </p>
      <p>{t('interp.floor', { language: language_name(model.floor_language.value) })}</p>
      {handover ? (
        <div class="handover" role="status" data-testid="handover">
          <p>{t('interp.handover_to', { from: store.name_of(handover.from), to: store.name_of(handover.to), seconds: String(seconds) })}</p>
          {in_handover ? (
            <>
              <button type="button" class="primary" onClick={() => void session.command('confirm-handover')}>
                {handover.to === me.id ? t('interp.take_now') : t('interp.confirm')}
              </button>
              <button type="button" onClick={() => void session.command('cancel-handover')}>{t('interp.cancel')}</button>
            </>
          ) : null}
        </div>
      ) : (
        <button type="button" class="primary" data-testid="request-handover"
          onClick={() => void session.command('request-handover')}>
          {live ? t('interp.hand_over') : t('interp.take_over')}
        </button>
      )}
      <label>
        <span>{t('interp.listen_to')}</span>
        <select
          data-testid="interpreter-source"
          value={model.source.value}
          onChange={(e) => void session.command('interpreter-source', { source: e.currentTarget.value })}
        >
          <option value={kFloor}>{t('interp.floor_option')}</option>
          {others.map((b) => (
            <option key={b.language} value={b.language}>
              {t(b.live && !b.muted ? 'interp.relay_live' : 'interp.relay', { language: language_name(b.language) })}
            </option>
          ))}
        </select>
      </label>
      <div class="actions">
        <button type="button" aria-pressed={booth.muted}
          onClick={() => void session.command('mute-booth', { muted: !booth.muted })}>
          {booth.muted ? t('interp.unmute_booth') : t('interp.mute_booth')}
        </button>
        <button type="button" data-testid="slower-please" onClick={() => void session.command('slower-please')}>
          {t('interp.slower')}
        </button>
      </div>
    </section>
  );
}
