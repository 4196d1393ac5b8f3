import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../src/components/App';
import { LiveRegion } from '../src/components/LiveRegion';
import { Stage } from '../src/components/Stage';
import { set_locale } from '../src/i18n/i18n';
import { Session } from '../src/rtc/session';
import { ConferenceStore } from '../src/state/conference_store';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
const kToken = `${b64url('{"alg":"HS256"}')}.${b64url('{"conf":"demo","name":"Dana","role":"speaker"}')}.sig`;

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  document.body.append(root);
  set_locale('en');
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const flush = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

function deny_devices(name: string) {
  vi.stubGlobal('navigator', {
    ...navigator,
    languages: ['en'],
    mediaDevices: {
      getUserMedia: () => Promise.reject(new DOMException('no', name)),
      enumerateDevices: () => Promise.resolve([]),
    },
  });
}

describe('pre-join', () => {
  it('explains a denied camera and microphone, in the chosen language', async () => {
    deny_devices('NotAllowedError');
    act(() => render(<App href={`http://127.0.0.1/app/?token=${kToken}`} />, root));
    await flush();
    const alert = root.querySelector('[role="alert"][data-problem]');
    expect(alert?.getAttribute('data-problem')).toBe('denied');
    expect(alert?.textContent).toMatch(/blocked the camera and microphone/);
    expect(root.querySelector('h1')?.textContent).toBe('Get ready to join');
    expect(root.querySelector<HTMLInputElement>('input[type="text"]')?.value).toBe('Dana');
    expect(root.textContent).toContain('Conference: demo');
    // The picker switches every string, here to Russian.
    const picker = root.querySelector<HTMLSelectElement>('.language-picker select');
    if (!picker) throw new Error('no language picker');
    act(() => {
      picker.value = 'ru';
      picker.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(root.querySelector('h1')?.textContent).toBe('Подготовка к подключению');
    expect(root.querySelector('[data-problem]')?.textContent).toMatch(/Браузер заблокировал/);
    // Joining is still possible without devices.
    expect(root.querySelector<HTMLButtonElement>('button[type="submit"]')?.disabled).toBe(false);
  });

  it('says a device is missing rather than blocked', async () => {
    deny_devices('NotFoundError');
    act(() => render(<App href={`http://127.0.0.1/app/?token=${kToken}`} />, root));
    await flush();
    expect(root.querySelector('[data-problem]')?.getAttribute('data-problem')).toBe('not-found');
  });

  it('without a token asks for an invitation link and cannot join', async () => {
    deny_devices('NotAllowedError');
    act(() => render(<App href="http://127.0.0.1/app/" />, root));
    await flush();
    expect(root.textContent).toContain('personal invitation link');
    expect(root.querySelector<HTMLButtonElement>('button[type="submit"]')?.disabled).toBe(true);
  });
});

describe('stage', () => {
  function joined_store() {
    const store = new ConferenceStore();
    store.apply({
      type: 'welcome', version: 1, conference: 'parliament',
      participant: { id: 'p1', name: 'Dana', role: 'attendee' },
      permissions: { publish: false },
      participants: [
        { id: 'p2', name: 'Bob', role: 'speaker' },
        { id: 'p3', name: 'Carol', role: 'speaker' },
      ],
      tracks: [
        { id: 'v2', participant: 'p2', kind: 'video' },
        { id: 'v3', participant: 'p3', kind: 'video' },
      ],
    });
    return store;
  }

  it('shows the newest publisher large, the others in the strip, the speaker outlined', () => {
    const store = joined_store();
    const session = new Session(store, 'ws://127.0.0.1:1/rtc', 't', null);
    const on_leave = vi.fn();
    act(() => render(
      <Stage store={store} session={session} local_stream={null} joined_at={new Date()}
        on_leave={on_leave} on_rejoin={() => undefined} />, root));
    expect(root.querySelector('h1')?.textContent).toBe('parliament');
    expect(root.querySelector('.featured [data-participant]')?.getAttribute('data-participant')).toBe('p3');
    const strip = [...root.querySelectorAll('.strip [data-participant]')].map((e) => e.getAttribute('data-participant'));
    expect(strip).toEqual(['p1', 'p2']);
    expect(root.querySelector('.strip')?.textContent).toContain('Dana (you)');
    expect(root.querySelector('.strip')?.textContent).toContain('Bob · Speaker');
    expect(root.textContent).toContain('You are watching.');
    expect(root.querySelector('.speaking')).toBeNull();

    act(() => { store.apply({ type: 'active-speaker', participant: 'p2' }); });
    expect(root.querySelector('.speaking')?.getAttribute('data-participant')).toBe('p2');

    act(() => { store.begin_join(true); });
    expect(root.querySelector('[data-testid="reconnecting"]')?.textContent).toBe('Connection lost. Reconnecting…');
    // Keyboard: Leave is a real button.
    const leave = [...root.querySelectorAll('button')].find((b) => b.textContent === 'Leave');
    leave?.click();
    expect(on_leave).toHaveBeenCalledOnce();
  });

  it('announces joins, leaves and the floor in the live region, in Hebrew too', () => {
    const store = joined_store();
    act(() => render(<LiveRegion store={store} />, root));
    const region = root.querySelector('[aria-live="polite"]');
    act(() => { store.apply({ type: 'participant-joined', participant: { id: 'p4', name: 'Eli', role: 'speaker' } }); });
    expect(region?.textContent).toBe('Eli joined');
    // The audience's arrivals and departures are a head count, not announcements.
    act(() => { store.apply({ type: 'participant-joined', participant: { id: 'p5', name: 'Fay', role: 'attendee' } }); });
    act(() => { store.apply({ type: 'participant-left', participant: 'p5' }); });
    expect(region?.textContent).toBe('Eli joined');
    act(() => set_locale('he'));
    expect(region?.textContent).toBe('Eli הצטרף/ה');
    act(() => { store.apply({ type: 'participant-left', participant: 'p4' }); });
    expect(region?.textContent).toBe('Eli יצא/ה');
    act(() => { store.apply({ type: 'track-published', track: { id: 'v9', participant: 'p2', kind: 'video' } }); });
    act(() => { store.apply({ type: 'track-removed', track: 'v3' }); });
    expect(region?.textContent).toBe('רשות הדיבור אצל Bob');
  });
});
