// The chat: everyone reads; who may write depends on the conference's chat setting and
// the role (the server refuses otherwise). Hosts delete messages.
import { useState } from 'preact/hooks';
import { t, format_time } from '../i18n/i18n';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { is_host } from '../state/conference_model';

export function ChatPanel({ store, session }: { store: ConferenceStore; session: Session }) {
  const m = store.model;
  const me = store.me.value;
  const [text, set_text] = useState('');
  if (!me) return null;
  const mode = m.settings.value.chat ?? 'everyone';
  const panel = me.role !== 'attendee' && me.role !== 'press';
  const may_write = mode === 'everyone' || (mode === 'panel_only' && panel);
  return (
    <section class="panel chat-panel" aria-labelledby="chat-heading" data-testid="chat-panel">
      <h2 id="chat-heading">{t('chat.heading')}</h2>
      <ul class="chat-list" aria-live="polite" aria-relevant="additions">
        {m.chat.value.map((msg) => (
          <li key={msg.id}>
            <span class="hint">{msg.at ? format_time(new Date(msg.at)) : ''}</span>{' '}
            <strong>{msg.name ?? store.name_of(msg.from)}</strong>{' '}
            <span>{msg.text}</span>
            {is_host(me.role) ? (
              <button type="button" class="link" aria-label={t('chat.delete')}
                onClick={() => void session.command('delete-chat', { message: msg.id })}>✕</button>
            ) : null}
          </li>
        ))}
      </ul>
      {may_write ? (
        <form class="row" onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          void session.command('send-chat', { text: text.trim() }).then((r) => { if (r.ok) set_text(''); });
        }}>
          <label class="grow">
            <span class="visually-hidden">{t('chat.message')}</span>
            <input type="text" value={text} maxLength={1000} placeholder={t('chat.message')}
              onInput={(e) => set_text(e.currentTarget.value)} />
          </label>
          <button type="submit">{t('chat.send')}</button>
        </form>
      ) : <p class="hint">{t(mode === 'off' ? 'chat.off' : 'chat.panel_only')}</p>}
    </section>
  );
}
