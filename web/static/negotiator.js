// Serializes offer/answer exchanges on one RTCPeerConnection.
//
// The protocol has the client always offer and allows one offer in flight: the
// next offer goes out only after the previous answer arrived. Changes that come
// in meanwhile (track-published, track-removed, participant-left) only mark
// the negotiation as wanted again; the loop picks them up when the current
// exchange is done, so no change is lost and no two offers overlap.

const kAnswerTimeoutMs = 15000;

export class Negotiator {
  // hooks.prepare(): add/stop transceivers for the changes since last time.
  // hooks.subscriptions(): {mid: trackId} for the recvonly transceivers, read
  //   after setLocalDescription because mids are assigned there.
  // hooks.send_offer(sdp, subscriptions): returns false if it could not send.
  // hooks.on_answer(msg): the answer message after setRemoteDescription.
  // hooks.on_failure(error): an exchange failed (error message, timeout).
  constructor(pc, hooks) {
    this.pc_ = pc;
    this.hooks_ = hooks;
    this.wanted_ = false;
    this.running_ = false;
    this.waiting_ = null;
    this.closed_ = false;
    this.completed_ = 0;
    this.idle_waiters_ = [];
  }

  get busy() {
    return this.running_;
  }

  get completed() {
    return this.completed_;
  }

  request() {
    if (this.closed_) return;
    this.wanted_ = true;
    if (!this.running_) this.run_();
  }

  answer_received(msg) {
    if (!this.waiting_) {
      console.warn('negotiator: answer without an offer in flight, ignored');
      return;
    }
    this.waiting_.resolve(msg);
  }

  // An error from the server while an offer is in flight is the answer to it.
  error_received(msg) {
    if (!this.waiting_) return false;
    this.waiting_.reject(new Error(`${msg.code || 'error'}: ${msg.message || ''}`));
    return true;
  }

  close() {
    this.closed_ = true;
    this.wanted_ = false;
    if (this.waiting_) this.waiting_.reject(new Error('closed'));
  }

  // Resolves when no exchange is running or wanted.
  idle() {
    if (!this.running_ && !this.wanted_) return Promise.resolve();
    return new Promise((resolve) => this.idle_waiters_.push(resolve));
  }

  async run_() {
    this.running_ = true;
    try {
      while (this.wanted_ && !this.closed_) {
        this.wanted_ = false;
        try {
          await this.exchange_();
          this.completed_ += 1;
        } catch (error) {
          if (this.closed_) break;
          await this.rollback_();
          this.hooks_.on_failure(error);
        }
      }
    } finally {
      this.running_ = false;
      const waiters = this.idle_waiters_;
      this.idle_waiters_ = [];
      waiters.forEach((resolve) => resolve());
    }
  }

  async exchange_() {
    this.hooks_.prepare();
    // Nothing to send or receive yet (e.g. an attendee before anyone publishes):
    // an offer without m-sections would only make the server do work.
    if (this.pc_.getTransceivers().length === 0) return;
    const offer = await this.pc_.createOffer();
    await this.pc_.setLocalDescription(offer);
    const subscriptions = this.hooks_.subscriptions();
    const answer = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer within 15 s')), kAnswerTimeoutMs);
      this.waiting_ = {
        resolve: (msg) => { clearTimeout(timer); resolve(msg); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      if (!this.hooks_.send_offer(this.pc_.localDescription.sdp, subscriptions)) {
        this.waiting_.reject(new Error('signaling channel is not open'));
      }
    }).finally(() => { this.waiting_ = null; });
    if (this.closed_) return;
    await this.pc_.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.hooks_.on_answer(answer);
  }

  async rollback_() {
    if (this.pc_.signalingState !== 'have-local-offer') return;
    try {
      await this.pc_.setLocalDescription({ type: 'rollback' });
    } catch (error) {
      console.warn('negotiator: rollback failed', error);
    }
  }
}
