// Questions and answers: attendees and press ask, everyone upvotes (not their own, once),
// hosts pick, mark answered or dismiss. Open questions first, by votes.
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import type { Session } from '../rtc/session';
import type { ConferenceStore } from '../state/conference_store';
import { is_host } from '../state/conference_model';

export function QAPanel({ store, session }: { store: ConferenceStore; session: Session }) {
  const m = store.model;
  const me = store.me.value;
  const [text, set_text] = useState('');
  if (!me) return null;
  const host = is_host(me.role);
  const may_ask = (me.role === 'attendee' || me.role === 'press') && m.state.value !== 'ended';
  const rank = { picked: 0, open: 1, answered: 2, dismissed: 3 } as const;
  const questions = [...m.questions.value].sort((a, b) => rank[a.status] - rank[b.status] || b.votes - a.votes || a.id - b.id);
  return (
    <section class="panel qa-panel" aria-labelledby="qa-heading" data-testid="qa-panel">
      <h2 id="qa-heading">{t('qa.heading')}</h2>
      {may_ask ? (
        <form class="row" onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          void session.command('ask-question', { text: text.trim() }).then((r) => { if (r.ok) set_text(''); });
        }}>
          <label class="grow">
            <span>{t('qa.your_question')}</span>
            <input type="text" data-testid="question-text" value={text} maxLength={500} onInput={(e) => set_text(e.currentTarget.value)} />
          </label>
          <button type="submit" class="primary" data-testid="ask">{t('qa.ask')}</button>
        </form>
      ) : null}
      {questions.length === 0 ? <p class="hint">{t('qa.none')}</p> : (
        <ul class="qa-list">
          {questions.map((q) => {
            const voted = m.my_votes.value.has(q.id);
            return (
              <li key={q.id} data-question={q.id} data-status={q.status}>
                <p class="qa-text">{q.text}</p>
                <p class="hint">{t('qa.meta', { name: q.name ?? store.name_of(q.author), votes: String(q.votes), status: t(`qa.status.${q.status}`) })}</p>
                <span class="row">
                  {q.author !== me.id && q.status !== 'answered' ? (
                    <button type="button" data-testid="upvote" disabled={voted} aria-pressed={voted}
                      onClick={() => void session.command('upvote-question', { question: q.id })}>{t('qa.upvote')}</button>
                  ) : null}
                  {host && q.status === 'open' ? (
                    <button type="button" onClick={() => void session.command('pick-question', { question: q.id })}>{t('qa.pick')}</button>
                  ) : null}
                  {host && q.status !== 'answered' ? (
                    <>
                      <button type="button" data-testid="answered" onClick={() => void session.command('answer-question', { question: q.id })}>{t('qa.answered')}</button>
                      <button type="button" onClick={() => void session.command('dismiss-question', { question: q.id })}>{t('qa.dismiss')}</button>
                    </>
                  ) : null}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
