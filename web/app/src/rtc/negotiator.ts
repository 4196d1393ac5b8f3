// Serializes offer/answer exchanges on one RTCPeerConnection.
//
// Signaling protocol v1 has the client always offer and allows one offer in flight: the
// next offer goes out only after the previous answer arrived. Changes that come in
// meanwhile (track-published, track-removed, participant-left) only mark negotiation as
// wanted again; the loop picks them up when the current exchange is done, so no change is
// lost and no two offers overlap (ported from web/static/negotiator.js).

import type { Answer, Error as ServerError } from '../protocol/signaling.gen';

export const kAnswerTimeoutMs = 15000;

// The part of RTCPeerConnection the negotiator drives (a real one in the browser).
export interface NegotiationPeer {
  getTransceivers(): readonly unknown[];
  createOffer(): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  readonly localDescription: { readonly sdp: string } | null;
  readonly signalingState: string;
}

export interface NegotiatorHooks {
  // Adds/stops transceivers for the changes since the last exchange.
  prepare(): void;
  // {mid: trackId} of the recvonly transceivers; read after setLocalDescription
  // because mids are assigned there.
  subscriptions(): Record<string, string>;
  // Returns false if the offer could not be sent (channel not open).
  send_offer(sdp: string, subscriptions: Record<string, string>): boolean;
  on_answer(answer: Answer): void;
  on_failure(error: Error): void;
}

interface Waiting {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

export class Negotiator {
  private wanted_ = false;
  private running_ = false;
  private waiting_: Waiting | null = null;
  private closed_ = false;
  private completed_ = 0;
  private idle_waiters_: Array<() => void> = [];

  constructor(
    private readonly peer_: NegotiationPeer,
    private readonly hooks_: NegotiatorHooks,
    private readonly answer_timeout_ms_ = kAnswerTimeoutMs,
  ) {}

  get busy(): boolean {
    return this.running_;
  }

  get offer_in_flight(): boolean {
    return this.waiting_ !== null;
  }

  // Exchanges that completed (answer applied).
  get completed(): number {
    return this.completed_;
  }

  request(): void {
    if (this.closed_) return;
    this.wanted_ = true;
    if (!this.running_) void this.run_();
  }

  // Returns false when no offer is in flight (a stray answer, ignored).
  answer_received(answer: Answer): boolean {
    if (!this.waiting_) return false;
    this.waiting_.resolve(answer);
    return true;
  }

  // An error from the server while an offer is in flight is the answer to it.
  error_received(error: ServerError): boolean {
    if (!this.waiting_) return false;
    this.waiting_.reject(new Error(`${error.code}: ${error.message}`));
    return true;
  }

  close(): void {
    this.closed_ = true;
    this.wanted_ = false;
    this.waiting_?.reject(new Error('closed'));
  }

  // Resolves when no exchange is running or wanted.
  idle(): Promise<void> {
    if (!this.running_ && !this.wanted_) return Promise.resolve();
    return new Promise((resolve) => this.idle_waiters_.push(resolve));
  }

  private async run_(): Promise<void> {
    this.running_ = true;
    try {
      while (this.wanted_ && !this.closed_) {
        this.wanted_ = false;
        try {
          if (await this.exchange_()) this.completed_ += 1;
        } catch (error) {
          if (this.closed_) break;
          await this.rollback_();
          this.hooks_.on_failure(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.running_ = false;
      const waiters = this.idle_waiters_;
      this.idle_waiters_ = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async exchange_(): Promise<boolean> {
    this.hooks_.prepare();
    // Nothing to send or receive yet (an attendee before anyone publishes): an offer
    // without m-sections would only make the server do work.
    if (this.peer_.getTransceivers().length === 0) return false;
    const offer = await this.peer_.createOffer();
    await this.peer_.setLocalDescription(offer);
    const subscriptions = this.hooks_.subscriptions();
    const sdp = this.peer_.localDescription?.sdp ?? '';
    const answer = await new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer within ${this.answer_timeout_ms_} ms`)),
        this.answer_timeout_ms_);
      this.waiting_ = {
        resolve: (msg) => { clearTimeout(timer); resolve(msg); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      if (!this.hooks_.send_offer(sdp, subscriptions)) {
        this.waiting_.reject(new Error('signaling channel is not open'));
      }
    }).finally(() => { this.waiting_ = null; });
    if (this.closed_) return false;
    await this.peer_.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.hooks_.on_answer(answer);
    return true;
  }

  private async rollback_(): Promise<void> {
    if (this.peer_.signalingState !== 'have-local-offer') return;
    try {
      await this.peer_.setLocalDescription({ type: 'rollback' });
    } catch (error) {
      console.warn('negotiator: rollback failed', error);
    }
  }
}
