// For moderators and organizers: every booth at a glance (who is live, who is on
// standby, muted, handing over), "slower please" from the booths, and assigning an
// interpreter to a booth.
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { language_name } from './InterpretationPicker';

export function InterpretationBooths({ store, session }: { store: ConferenceStore; session: Session }) {
  const model = store.interpretation;
  const languages = model.languages.value;
  const booths = model.booths.value;
  const slower = model.slower.value;
  const interpreters = [...store.model.people.value.values()].filter(
    (p) => p.role === 'interpreter' && p.presence === 'present');
  const [who, set_who] = useState('');
  const [into, set_into] = useState('');
  if (languages.length === 0) return null;
  const target = who || interpreters[0]?.id || '';
  const booth_language = into || languages[0] || '';
  return (
    <section class="panel interpretation-booths" aria-label={t('interp.booths')} data-testid="booth-status">
      <h2>{t('interp.booths')}</h2>
      <p>{t('interp.floor', { language: language_name(model.floor_language.value) })}</p>
      {booths.length === 0 ? <p class="hint">{t('interp.no_booths')}</p> : (
        <ul>
          {booths.map((b) => (
            <li key={b.language} data-language={b.language}>
              <strong>{language_name(b.language)}</strong>{' · '}
              {b.muted ? t('interp.muted') : b.live ? t('interp.live_is', { name: store.name_of(b.live) }) : t('interp.nobody_live')}
              {b.handover ? ` · ${t('interp.handing_over', { to: store.name_of(b.handover.to) })}` : ''}
              {b.interpreters.filter((i) => i.participant !== b.live).length > 0
                ? ` · ${t('interp.standby_list', { names: b.interpreters.filter((i) => i.participant !== b.live).map((i) => store.name_of(i.participant)).join(', ') })}`
                : ''}
              {' '}
              <button type="button" onClick={() => void session.command('mute-booth', { language: b.language, muted: !b.muted })}>
                {b.muted ? t('interp.unmute_booth') : t('interp.mute_booth')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {slower.length > 0 ? (
        <div role="alert" class="slower-alerts" data-testid="slower-alerts">
          {slower.slice(-3).map((s) => (
            <p key={s.seq}>{t('interp.slower_from', { name: store.name_of(s.participant), language: language_name(s.language) })}</p>
          ))}
        </div>
      ) : null}
      {interpreters.length > 0 ? (
        <form
          class="assign"
          onSubmit={(e) => {
            e.preventDefault();
            if (target && booth_language) {
              void session.command('assign-interpreter', { participant: target, language: booth_language });
            }
          }}
        >
          <label>
            <span>{t('role.interpreter')}</span>
            <select value={target} onChange={(e) => set_who(e.currentTarget.value)}>
              {interpreters.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </select>
          </label>
          <label>
            <span>{t('interp.booth_label')}</span>
            <select value={booth_language} onChange={(e) => set_into(e.currentTarget.value)}>
              {languages.map((code) => <option key={code} value={code}>{language_name(code)}</option>)}
            </select>
          </label>
          <button type="submit">{t('interp.assign')}</button>
        </form>
      ) : null}
    </section>
  );
}
