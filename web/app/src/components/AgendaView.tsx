// The agenda for everyone who does not run it: the items in order, the running one
// marked. It follows the server's agenda_changed events, so live edits show at once.
import { t } from '../i18n/i18n';
import type { ConferenceStore } from '../state/conference_store';

export function AgendaView({ store }: { store: ConferenceStore }) {
  const agenda = store.model.agenda.value;
  if (agenda.length === 0) return null;
  return (
    <section class="panel agenda-view" aria-labelledby="agenda-heading" data-testid="agenda-view">
      <h2 id="agenda-heading">{t('host.agenda')}</h2>
      <ol class="agenda-list">
        {agenda.map((item) => (
          <li key={item.id} data-status={item.status} data-item={item.id}
            aria-current={item.status === 'running' ? 'step' : undefined}>
            <span>{item.title}</span>
            <span class="hint">{t(`item.${item.status}`)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
