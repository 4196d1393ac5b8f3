import { afterEach, describe, expect, it, vi } from 'vitest';
import { Negotiator } from '../src/rtc/negotiator';
import type { NegotiationPeer, NegotiatorHooks } from '../src/rtc/negotiator';
import type { Answer } from '../src/protocol/signaling.gen';

// A stand-in for RTCPeerConnection's offer/answer state machine (jsdom has no WebRTC;
// the browser tests run the real one). It checks what the real one would reject.
class FakePeer implements NegotiationPeer {
  transceivers: unknown[] = [{}];
  signalingState = 'stable';
  localDescription: { sdp: string } | null = null;
  offers = 0;
  remote: string[] = [];

  getTransceivers() { return this.transceivers; }
  async createOffer() {
    this.offers += 1;
    return { type: 'offer' as const, sdp: `offer-${this.offers}` };
  }
  async setLocalDescription(d?: RTCSessionDescriptionInit) {
    if (d?.type === 'rollback') {
      this.signalingState = 'stable';
      return;
    }
    if (this.signalingState !== 'stable') throw new Error('InvalidStateError: offer while not stable');
    this.signalingState = 'have-local-offer';
    this.localDescription = { sdp: d?.sdp ?? '' };
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit) {
    if (this.signalingState !== 'have-local-offer') throw new Error('InvalidStateError: answer without offer');
    this.signalingState = 'stable';
    this.remote.push(d.sdp ?? '');
  }
}

function answer(sdp: string): Answer {
  return { type: 'answer', sdp, published: [] };
}

function setup(send_ok = true) {
  const peer = new FakePeer();
  const sent: Array<{ sdp: string; subscriptions: Record<string, string> }> = [];
  const failures: string[] = [];
  const answers: Answer[] = [];
  let prepared = 0;
  const hooks: NegotiatorHooks = {
    prepare: () => { prepared += 1; },
    subscriptions: () => ({ '1': `track-${prepared}` }),
    send_offer: (sdp, subscriptions) => { sent.push({ sdp, subscriptions }); return send_ok; },
    on_answer: (a) => answers.push(a),
    on_failure: (e) => failures.push(e.message),
  };
  const negotiator = new Negotiator(peer, hooks, 1000);
  return { peer, sent, failures, answers, negotiator, prepared: () => prepared };
}

// Lets the negotiator's promise chain run up to its next wait.
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => { vi.useRealTimers(); });

describe('Negotiator', () => {
  it('sends one offer and applies the answer', async () => {
    const { peer, sent, answers, negotiator } = setup();
    negotiator.request();
    await settle();
    expect(sent).toEqual([{ sdp: 'offer-1', subscriptions: { '1': 'track-1' } }]);
    expect(negotiator.offer_in_flight).toBe(true);
    expect(negotiator.answer_received(answer('answer-1'))).toBe(true);
    await negotiator.idle();
    expect(peer.remote).toEqual(['answer-1']);
    expect(answers).toHaveLength(1);
    expect(negotiator.completed).toBe(1);
    expect(peer.signalingState).toBe('stable');
  });

  it('keeps one offer in flight and folds requests made meanwhile into one next offer', async () => {
    const { peer, sent, negotiator, prepared } = setup();
    negotiator.request();
    await settle();
    negotiator.request();
    negotiator.request();
    negotiator.request();
    await settle();
    expect(sent).toHaveLength(1);
    negotiator.answer_received(answer('answer-1'));
    await settle();
    expect(sent).toHaveLength(2);
    // The second offer was prepared after the changes, so it carries them.
    expect(prepared()).toBe(2);
    expect(sent[1]?.sdp).toBe('offer-2');
    negotiator.answer_received(answer('answer-2'));
    await negotiator.idle();
    expect(sent).toHaveLength(2);
    expect(peer.remote).toEqual(['answer-1', 'answer-2']);
    expect(negotiator.completed).toBe(2);
  });

  it('sends nothing while there is nothing to send or receive', async () => {
    const { peer, sent, negotiator, prepared } = setup();
    peer.transceivers = [];
    negotiator.request();
    await negotiator.idle();
    expect(prepared()).toBe(1);
    expect(sent).toHaveLength(0);
    expect(negotiator.completed).toBe(0);
  });

  it('ignores an answer without an offer in flight', async () => {
    const { peer, negotiator } = setup();
    expect(negotiator.answer_received(answer('stray'))).toBe(false);
    expect(peer.remote).toEqual([]);
  });

  it('treats a server error during an exchange as its answer, rolls back and carries on', async () => {
    const { peer, sent, failures, negotiator } = setup();
    negotiator.request();
    await settle();
    negotiator.request();
    expect(negotiator.error_received({ type: 'error', code: 'bad-request', message: 'bad sdp' })).toBe(true);
    await settle();
    expect(failures).toEqual(['bad-request: bad sdp']);
    // Rolled back to stable, so the next offer could be made.
    expect(sent).toHaveLength(2);
    negotiator.answer_received(answer('answer-2'));
    await negotiator.idle();
    expect(peer.remote).toEqual(['answer-2']);
    expect(negotiator.completed).toBe(1);
  });

  it('an error with no offer in flight is not taken as an answer', () => {
    const { negotiator } = setup();
    expect(negotiator.error_received({ type: 'error', code: 'forbidden', message: 'x' })).toBe(false);
  });

  it('gives up on an answer that does not come and rolls back', async () => {
    vi.useFakeTimers();
    const { peer, failures, negotiator } = setup();
    negotiator.request();
    await vi.advanceTimersByTimeAsync(999);
    expect(failures).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(failures).toEqual(['no answer within 1000 ms']);
    expect(peer.signalingState).toBe('stable');
    expect(negotiator.busy).toBe(false);
  });

  it('reports a closed channel instead of waiting for an answer', async () => {
    const { peer, failures, negotiator } = setup(false);
    negotiator.request();
    await negotiator.idle();
    expect(failures).toEqual(['signaling channel is not open']);
    expect(peer.signalingState).toBe('stable');
  });

  it('stops on close: no failure reported, no further offers', async () => {
    const { sent, failures, negotiator } = setup();
    negotiator.request();
    await settle();
    negotiator.close();
    await negotiator.idle();
    negotiator.request();
    await settle();
    expect(sent).toHaveLength(1);
    expect(failures).toEqual([]);
  });
});
