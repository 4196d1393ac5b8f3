// The session's reconnect loop against a scripted server: a dropped connection is
// rejoined, but being removed by the organizer (an error "forbidden" outside any offer)
// ends the session instead of joining straight back.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Session } from '../src/rtc/session';
import { ConferenceStore } from '../src/state/conference_store';

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: Array<Record<string, unknown>> = [];
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    setTimeout(() => { this.readyState = FakeSocket.OPEN; this.onopen?.(); }, 0);
  }
  send(text: string) { this.sent.push(JSON.parse(text) as Record<string, unknown>); }
  close() { this.server_close(); }
  receive(msg: unknown) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  server_close() {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code: 1000, reason: '' });
  }
}

class FakePeerConnection {
  connectionState = 'new';
  ontrack: unknown = null;
  onconnectionstatechange: unknown = null;
  addTransceiver() { return { sender: { replaceTrack: () => Promise.resolve() }, mid: null, stop() {} }; }
  getTransceivers() { return []; }
  createOffer() { return new Promise(() => undefined); }  // never answers: no offer completes
  setLocalDescription() { return Promise.resolve(); }
  setRemoteDescription() { return Promise.resolve(); }
  close() {}
}

const welcome = {
  type: 'welcome', version: 1, conference: 'demo',
  participant: { id: 'p4', name: 'Viewer', role: 'attendee' },
  permissions: { publish: false }, participants: [], tracks: [],
  state: { conference: 'live', participants: [{ id: 'p4', name: 'Viewer', role: 'attendee', presence: 'present' }] },
};
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function joined(): Promise<{ store: ConferenceStore; session: Session; socket: FakeSocket }> {
  const store = new ConferenceStore();
  const session = new Session(store, 'ws://podium.test/rtc', 'token', null);
  void session.start();
  await settle();
  await settle();
  const socket = FakeSocket.all[0];
  if (!socket) throw new Error('no socket');
  expect(socket.sent[0]?.type).toBe('join');
  socket.receive(welcome);
  await settle();
  expect(store.status.value).toBe('joined');
  return { store, session, socket };
}

describe('session', () => {
  it('a dropped connection shows reconnecting and joins again', async () => {
    const { store, session, socket } = await joined();
    vi.useFakeTimers();
    socket.server_close();
    expect(store.status.value).toBe('reconnecting');
    vi.advanceTimersByTime(60000);  // past any reconnect backoff
    expect(FakeSocket.all.length).toBeGreaterThan(1);
    session.leave();
  });

  it('removed by the organizer: the error is shown and nothing rejoins', async () => {
    const { store, socket } = await joined();
    vi.useFakeTimers();
    socket.receive({ type: 'error', code: 'forbidden', message: 'the organizer removed you from the conference' });
    socket.server_close();
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all.length).toBe(1);
    expect(store.status.value).toBe('error');
    expect(store.error.value?.message).toBe('the organizer removed you from the conference');
  });
});
