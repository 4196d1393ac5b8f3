// The ARIA live region (WAI-ARIA 1.2 §6.3.12 aria-live): screen readers read out joins,
// leaves, the floor and reconnects as they happen, without moving focus.
import type { ConferenceStore } from '../state/conference_store';
import { t } from '../i18n/i18n';

export function LiveRegion({ store }: { store: ConferenceStore }) {
  const a = store.announcement.value;
  return (
    <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-region">
      {a ? <span key={a.seq}>{t(a.key, a.params)}</span> : null}
    </div>
  );
}
