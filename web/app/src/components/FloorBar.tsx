// The floor at a glance, for everyone: conference state, the running agenda item, who
// has the floor and the time left; for a panelist also "you are live / next / muted".
import { t } from '../i18n/i18n';
import type { ConferenceStore } from '../state/conference_store';
import { format_clock, use_now } from './use_now';

export function FloorBar({ store }: { store: ConferenceStore }) {
  const m = store.model;
  const floor = m.floor.value;
  const state = m.state.value;
  const item = m.current_item.value;
  const me = store.me.value;
  const person = me ? m.people.value.get(me.id) : undefined;
  const now = use_now(floor !== null && floor.remaining_ms !== null && !floor.paused);
  const remaining = m.remaining_ms(now);
  const next = m.queue.value[0]?.participant;
  const mine = me !== null && floor?.participant === me.id;
  const warn = remaining !== null && remaining <= 60000;

  let my_state: string | null = null;
  if (me && (me.role === 'speaker' || mine || next === me.id)) {
    if (person?.audio_muted) my_state = t('floor.you_muted');
    else if (mine) my_state = t('floor.you_live');
    else if (next === me.id || m.next_item.value?.speakers[0] === me.name) my_state = t('floor.you_next');
    else my_state = t('floor.you_waiting');
  }

  return (
    <section class="floor-bar" aria-label={t('floor.region')} data-testid="floor-bar">
      {state ? <span class={`pill state-${state}`} data-testid="conference-state">{t(`state.${state}`)}</span> : null}
      <span class="floor-item" data-testid="current-item">
        {item ? t('floor.item', { title: item.title }) : t('floor.no_item')}
      </span>
      <span class="floor-holder" data-testid="floor-holder" data-participant={floor?.participant ?? ''}>
        {floor ? t('floor.holder', { name: store.name_of(floor.participant) }) : t('floor.free')}
      </span>
      {remaining !== null ? (
        <span role="timer" class={`floor-timer${warn ? ' warn' : ''}`} data-testid="floor-timer"
          aria-label={t('floor.time_left', { time: format_clock(remaining) })}>
          {format_clock(remaining)}
          {floor?.paused ? ` ${t('floor.paused')}` : ''}
        </span>
      ) : null}
      {my_state ? (
        <strong class={`my-floor${mine ? ' live' : ''}`} data-testid="my-floor">{my_state}</strong>
      ) : null}
    </section>
  );
}
