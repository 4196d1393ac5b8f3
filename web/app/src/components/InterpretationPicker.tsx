// The listener's language: "Floor" or one of the conference's languages, the level of
// the floor under an interpretation, and what the floor speaks now. Owns the page's
// listening graph (src/media/listening_audio.ts): while the conference has languages,
// every remote voice is played through it (the tiles are muted).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { effect } from '@preact/signals';
import { locale, t } from '../i18n/i18n';
import { ListeningAudio } from '../media/listening_audio';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { kFloor } from '../state/interpretation_model';

export function language_name(code: string): string {
  if (!code) return t('interp.unknown');
  try {
    return new Intl.DisplayNames([locale.value], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

// Plays what the participant chose; rendered by the stage while the conference has languages.
export function InterpretationAudio({ store, session }: { store: ConferenceStore; session: Session }) {
  use_listening_audio(store, session);
  return null;
}

function use_listening_audio(store: ConferenceStore, session: Session): void {
  useEffect(() => {
    const audio = new ListeningAudio();
    window.podium_listening = audio;
    const model = store.interpretation;
    const dispose = effect(() => {
      const floor: MediaStreamTrack[] = [];
      for (const stream of session.streams.value.values()) floor.push(...stream.getAudioTracks());
      audio.set_floor_tracks(floor);
      audio.set_channel_track(session.channel_track.value);
      audio.set_gains(model.floor_gain.value, model.channel_sounding.value ? 1 : 0);
    });
    const wake = () => audio.resume();
    audio.resume();
    window.addEventListener('pointerdown', wake);
    window.addEventListener('keydown', wake);
    return () => {
      dispose();
      window.removeEventListener('pointerdown', wake);
      window.removeEventListener('keydown', wake);
      if (window.podium_listening === audio) window.podium_listening = undefined;
      audio.close();
    };
  }, [store, session]);
}

export function InterpretationPicker({ store, session }: { store: ConferenceStore; session: Session }) {
  const model = store.interpretation;
  const languages = model.languages.value;
  const channel = model.channel.value;
  const level = model.floor_level.value;
  const floor_language = model.floor_language.value;
  const [pending_level, set_pending_level] = useState<number | null>(null);
  const shown_level = pending_level ?? level;
  const choose = (next_channel: string, next_level: number) => {
    window.podium_listening?.resume();
    model.choose(next_channel, next_level);
    void session.command('choose-language', { language: next_channel, floor_level: next_level });
  };
  const status = useMemo(() => {
    if (channel === kFloor) return null;
    if (floor_language === channel) return t('interp.floor_speaks_yours');
    return model.channel_sounding.value ? null : t('interp.no_interpreter');
  }, [channel, floor_language, model.channel_sounding.value]);

  if (languages.length === 0) return null;
  return (
    <section class="interpretation-picker" aria-label={t('interp.heading')} data-testid="interpretation-picker">
      <p class="floor-language" data-testid="floor-language">
        {t('interp.floor', { language: language_name(floor_language) })}
      </p>
      <label>
        <span>{t('interp.listen')}</span>
        <select
          data-testid="listen-language"
          value={channel}
          onChange={(e) => choose(e.currentTarget.value, level)}
        >
          <option value={kFloor}>{t('interp.floor_option')}</option>
          {languages.map((code) => (
            <option key={code} value={code} lang={code}>{language_name(code)}</option>
          ))}
        </select>
      </label>
      {channel !== kFloor ? (
        <label>
          <span>{t('interp.floor_level')}</span>
          <input
            type="range"
            min={0}
            max={100}
            step={5}
            data-testid="floor-level"
            value={Math.round(shown_level * 100)}
            aria-valuetext={`${Math.round(shown_level * 100)} %`}
            onInput={(e) => set_pending_level(Number(e.currentTarget.value) / 100)}
            onChange={(e) => {
              set_pending_level(null);
              choose(channel, Number(e.currentTarget.value) / 100);
            }}
          />
        </label>
      ) : null}
      {status ? <p class="hint" role="status">{status}</p> : null}
    </section>
  );
}
