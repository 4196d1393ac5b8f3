// The agenda builder in the organizer console: reorder by dragging a row onto another
// (HTML drag and drop, as a mouse does it) and with the move buttons (keyboard).
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgendaBuilder } from '../src/components/console/AgendaBuilder';
import { set_locale } from '../src/i18n/i18n';
import type { AgendaItem } from '../src/protocol/rest.gen';

let root: HTMLElement;
let items: AgendaItem[];
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  set_locale('en');
  items = ['Opening', 'Members', 'Experts'].map((title) => ({ title, speakers: [], planned_ms: 60000 }));
});
afterEach(() => {
  render(null, root);
  root.remove();
});

function show() {
  const on_change = (next: AgendaItem[]) => { items = next; show(); };
  act(() => render(<AgendaBuilder items={items} on_change={on_change} />, root));
}
const rows = () => [...root.querySelectorAll('li')];
function row(i: number): HTMLLIElement {
  const li = rows()[i];
  if (!li) throw new Error(`no row ${i}`);
  return li;
}
const titles = () => items.map((i) => i.title);

// A drag as the browser fires it. data: the drag data store the events share; null: no
// DataTransfer at all; 'lost': one whose data reads back empty on drop.
function drag(from: number, to: number, data: Map<string, string> | null | 'lost') {
  const transfer = data === null ? null : data === 'lost' ? { setData: () => {}, getData: () => '' } : {
    setData: (type: string, value: string) => { data.set(type, value); },
    getData: (type: string) => data.get(type) ?? '',
  };
  const fire = (el: Element, type: string) => {
    const e = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(e, 'dataTransfer', { value: transfer });
    act(() => { el.dispatchEvent(e); });
  };
  fire(row(from), 'dragstart');
  fire(row(to), 'dragover');
  fire(row(to), 'drop');
  fire(row(from), 'dragend');
}

describe('agenda builder', () => {
  it('rows are draggable and a drop moves the dragged item there', () => {
    show();
    expect(rows().every((li) => li.getAttribute('draggable') === 'true')).toBe(true);
    drag(2, 0, new Map());
    expect(titles()).toEqual(['Experts', 'Opening', 'Members']);
    // Screen readers hear where it went.
    expect(root.querySelector('[role="status"]')?.textContent).toBe('Experts is now number 1');
    drag(0, 2, new Map());
    expect(titles()).toEqual(['Opening', 'Members', 'Experts']);
  });

  it('a drop without drag data uses the row whose drag started; a drop on itself moves nothing', () => {
    show();
    drag(0, 1, null);
    expect(titles()).toEqual(['Members', 'Opening', 'Experts']);
    drag(1, 1, new Map());
    expect(titles()).toEqual(['Members', 'Opening', 'Experts']);
    // Empty drag data is not "row 0".
    drag(2, 1, 'lost');
    expect(titles()).toEqual(['Members', 'Experts', 'Opening']);
  });

  it('foreign drag data (text dragged in from elsewhere) moves nothing', () => {
    show();
    const e = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(e, 'dataTransfer', { value: { getData: () => 'hello', setData: () => {} } });
    act(() => { row(0).dispatchEvent(e); });
    expect(titles()).toEqual(['Opening', 'Members', 'Experts']);
  });

  it('the move buttons reorder from the keyboard', () => {
    show();
    const down = root.querySelector<HTMLButtonElement>('button[aria-label="Move Opening down"]');
    if (!down) throw new Error('no move-down button');
    act(() => down.click());
    expect(titles()).toEqual(['Members', 'Opening', 'Experts']);
  });
});
