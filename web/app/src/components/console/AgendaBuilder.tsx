// The agenda builder: items with title, speakers and planned minutes; reorder by
// dragging (HTML drag and drop) or with the move buttons (keyboard); add and remove.
import { useState } from 'preact/hooks';
import { t } from '../../i18n/i18n';
import type { AgendaItem } from '../../protocol/rest.gen';

interface Props {
  items: AgendaItem[];
  on_change(items: AgendaItem[]): void;
}

export function move<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  if (from < 0 || from >= next.length || to < 0 || to >= next.length) return next;
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

export function AgendaBuilder({ items, on_change }: Props) {
  const [dragging, set_dragging] = useState<number | null>(null);
  const [status, set_status] = useState('');
  const update = (i: number, change: Partial<AgendaItem>) =>
    on_change(items.map((item, j) => (i === j ? { ...item, ...change } : item)));
  const shift = (i: number, to: number) => {
    const item = items[i];
    if (!item || to < 0 || to >= items.length) return;
    on_change(move(items, i, to));
    set_status(t('org.item_moved', { title: item.title || t('org.untitled'), position: String(to + 1) }));
  };

  return (
    <fieldset class="agenda-builder" data-testid="agenda-builder">
      <legend>{t('org.agenda')}</legend>
      <p class="hint">{t('org.agenda_hint')}</p>
      <ol style={{ inlineSize: '100%' }}>
        {items.map((item, i) => (
          <li
            key={i}
            draggable
            class={dragging === i ? 'dragging' : ''}
            data-index={i}
            onDragStart={(e) => { set_dragging(i); e.dataTransfer?.setData('text/plain', String(i)); }}
            onDragEnd={() => set_dragging(null)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              // The dragged row's index; without drag data (another page's drag, an empty
              // string) the row this builder saw start the drag, else nothing moves.
              const data = e.dataTransfer?.getData('text/plain') ?? '';
              const from = /^\d+$/.test(data) ? Number(data) : dragging;
              if (from !== null && from !== i) shift(from, i);
              set_dragging(null);
            }}
          >
            <label class="grow">
              <span>{t('org.item_title')}</span>
              <input type="text" required maxLength={200} value={item.title} data-testid="item-title"
                onInput={(e) => update(i, { title: e.currentTarget.value })} />
            </label>
            <label class="grow">
              <span>{t('org.item_speakers')}</span>
              <input type="text" value={(item.speakers ?? []).join(', ')} data-testid="item-speakers"
                onInput={(e) => update(i, { speakers: e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean) })} />
            </label>
            <label>
              <span>{t('org.item_minutes')}</span>
              <input type="number" min="0" max="1440" class="narrow" data-testid="item-minutes"
                value={String(Math.round((item.planned_ms ?? 0) / 60000))}
                onInput={(e) => update(i, { planned_ms: Math.max(0, Math.round(Number(e.currentTarget.value) || 0)) * 60000 })} />
            </label>
            <span class="row">
              <button type="button" disabled={i === 0} onClick={() => shift(i, i - 1)}
                aria-label={t('org.move_up', { title: item.title || t('org.untitled') })}>↑</button>
              <button type="button" disabled={i === items.length - 1} onClick={() => shift(i, i + 1)}
                aria-label={t('org.move_down', { title: item.title || t('org.untitled') })}>↓</button>
              <button type="button" onClick={() => on_change(items.filter((_, j) => j !== i))}
                aria-label={t('org.remove_item', { title: item.title || t('org.untitled') })}>✕</button>
            </span>
          </li>
        ))}
      </ol>
      <button type="button" onClick={() => on_change([...items, { title: '', speakers: [], planned_ms: 5 * 60000 }])}
        data-testid="add-item">{t('org.add_item')}</button>
      <p class="visually-hidden" role="status" aria-live="polite">{status}</p>
    </fieldset>
  );
}
