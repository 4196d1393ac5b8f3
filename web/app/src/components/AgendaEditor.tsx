// The agenda as the hosts run and edit it live: start or end an item, add one, change its
// title or planned time, move it up or down, remove it. Every change is one signaling
// command; everyone's app shows the new agenda when the server's agenda_changed arrives.
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import type { CommandArgs, CommandName, Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import type { AgendaItem } from '../state/conference_model';

interface Props {
  store: ConferenceStore;
  session: Session;
  start_item: (item: AgendaItem) => Promise<void>;
}

const kMinute = 60000;
const minutes_of = (ms: number) => String(Math.round(ms / kMinute));
const ms_of = (minutes: string) => Math.max(0, Math.round(Number(minutes) * kMinute)) || 0;

export function AgendaEditor({ store, session, start_item }: Props) {
  const m = store.model;
  const state = m.state.value;
  const agenda = m.agenda.value;
  const [editing, set_editing] = useState<string | null>(null);
  const [title, set_title] = useState('');
  const [minutes, set_minutes] = useState('5');
  const [new_title, set_new_title] = useState('');
  const [new_minutes, set_new_minutes] = useState('5');
  const run = (command: CommandName, args: CommandArgs = {}) => { void session.command(command, args); };
  const ended = state === 'ended';

  const begin_edit = (item: AgendaItem) => {
    set_editing(item.id);
    set_title(item.title);
    set_minutes(minutes_of(item.planned_ms));
  };
  const save = async (item: AgendaItem) => {
    const result = await session.command('edit-item', { item: item.id, title: title.trim(), planned_ms: ms_of(minutes) });
    if (result.ok) set_editing(null);
  };
  const add = async (e: Event) => {
    e.preventDefault();
    if (!new_title.trim()) return;
    const result = await session.command('add-item', { title: new_title.trim(), planned_ms: ms_of(new_minutes) });
    if (result.ok) set_new_title('');
  };

  return (
    <>
      <h3>{t('host.agenda')}</h3>
      {agenda.length === 0 ? <p class="hint">{t('host.no_agenda')}</p> : (
        <ol class="agenda-list" data-testid="agenda-editor">
          {agenda.map((item, i) => (
            <li key={item.id} data-status={item.status} data-item={item.id}>
              {editing === item.id ? (
                <form class="row" onSubmit={(e) => { e.preventDefault(); void save(item); }}>
                  <label>
                    <span class="visually-hidden">{t('host.item_title')}</span>
                    <input type="text" required maxLength={2000} value={title} data-testid="item-title"
                      onInput={(e) => set_title(e.currentTarget.value)} />
                  </label>
                  <label>
                    <span class="visually-hidden">{t('host.item_minutes')}</span>
                    <input type="number" min="0" max="600" step="1" class="narrow" value={minutes}
                      onInput={(e) => set_minutes(e.currentTarget.value)} />
                  </label>
                  <button type="submit" class="primary" data-testid="save-item">{t('host.save_item')}</button>
                  <button type="button" onClick={() => set_editing(null)}>{t('host.cancel_edit')}</button>
                </form>
              ) : (
                <>
                  <span>{item.title}</span>
                  <span class="hint">{t(`item.${item.status}`)}</span>
                  <span class="row">
                    {item.status === 'running'
                      ? <button type="button" data-testid="end-item" onClick={() => run('end-item')}>{t('host.end_item')}</button>
                      : <button type="button" data-testid="start-item" disabled={state !== 'live'} onClick={() => void start_item(item)}>
                        {t('host.start_item')}</button>}
                    {!ended ? (
                      <>
                        <button type="button" data-testid="edit-item" aria-label={t('host.edit_item', { title: item.title })}
                          onClick={() => begin_edit(item)}>✎</button>
                        <button type="button" disabled={i === 0} aria-label={t('host.item_up', { title: item.title })}
                          onClick={() => run('move-item', { item: item.id, index: i - 1 })}>↑</button>
                        <button type="button" disabled={i === agenda.length - 1} aria-label={t('host.item_down', { title: item.title })}
                          onClick={() => run('move-item', { item: item.id, index: i + 1 })}>↓</button>
                        <button type="button" data-testid="remove-item" disabled={item.status === 'running'}
                          aria-label={t('host.remove_item', { title: item.title })}
                          onClick={() => run('remove-item', { item: item.id })}>✕</button>
                      </>
                    ) : null}
                  </span>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {!ended ? (
        <form class="row" onSubmit={(e) => void add(e)} data-testid="add-item-form">
          <label>
            <span>{t('host.item_title')}</span>
            <input type="text" required maxLength={2000} value={new_title} data-testid="new-item-title"
              onInput={(e) => set_new_title(e.currentTarget.value)} />
          </label>
          <label>
            <span>{t('host.item_minutes')}</span>
            <input type="number" min="0" max="600" step="1" class="narrow" value={new_minutes}
              onInput={(e) => set_new_minutes(e.currentTarget.value)} />
          </label>
          <button type="submit" data-testid="add-item">{t('host.add_item')}</button>
        </form>
      ) : null}
    </>
  );
}
