// One participant's connection to a conference: the signaling channel, the one
// RTCPeerConnection (bundlePolicy max-bundle, no ICE servers: the server is ICE-lite and
// its answer carries its candidates), the negotiator and the reconnect loop. Ported from
// web/static/app.js: the client always offers, with a sendonly transceiver per local
// track and a recvonly one per remote track, listed by mid in "subscriptions".
//
// After a network drop (signaling closed or silent, or ICE failed) it tears the peer
// connection down and joins again with the same token, keeping the local camera open,
// until it succeeds or the server refuses the token.

import { signal } from '@preact/signals';
import type { ParticipantId, ServerMessage, TrackId } from '../protocol/signaling.gen';
import type { ConferenceStore } from '../state/conference_store';
import { Negotiator } from './negotiator';
import { ReconnectPolicy } from './reconnect_policy';
import { SignalingChannel } from './signaling_channel';

const kProtocolVersion = 1;

export class Session {
  // Remote media by participant, for the tiles.
  readonly streams = signal<ReadonlyMap<ParticipantId, MediaStream>>(new Map());
  readonly publishing = signal(false);

  private pc_: RTCPeerConnection | null = null;
  private channel_: SignalingChannel | null = null;
  private negotiator_: Negotiator | null = null;
  private transceivers_ = new Map<TrackId, RTCRtpTransceiver>();
  private ready_ = false;
  private joined_once_ = false;
  private left_ = false;
  private retry_timer_: ReturnType<typeof setTimeout> | null = null;
  private readonly policy_ = new ReconnectPolicy();

  constructor(
    private readonly store_: ConferenceStore,
    private readonly url_: string,
    private readonly token_: string,
    // Camera/microphone chosen on the pre-join screen; published if the role may.
    private readonly local_stream_: MediaStream | null,
  ) {}

  get negotiations(): number {
    return this.negotiator_?.completed ?? 0;
  }

  idle(): Promise<void> {
    return this.negotiator_?.idle() ?? Promise.resolve();
  }

  get peer_connection(): RTCPeerConnection | null {
    return this.pc_;
  }

  async start(): Promise<void> {
    this.left_ = false;
    await this.connect_();
  }

  leave(): void {
    this.left_ = true;
    if (this.retry_timer_ !== null) clearTimeout(this.retry_timer_);
    this.channel_?.send({ type: 'leave' });
    this.teardown_();
    this.store_.reset('left');
  }

  private async connect_(): Promise<void> {
    const rejoin = this.joined_once_;
    this.store_.begin_join(rejoin);
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
    this.pc_ = pc;
    pc.ontrack = (event) => this.on_track_(event);
    pc.onconnectionstatechange = () => {
      if (pc === this.pc_ && pc.connectionState === 'failed') this.dropped_();
    };
    this.negotiator_ = new Negotiator(pc, {
      prepare: () => this.prepare_transceivers_(),
      subscriptions: () => this.subscriptions_(),
      send_offer: (sdp, subscriptions) =>
        this.channel_?.send({ type: 'offer', sdp, subscriptions }) ?? false,
      on_answer: (answer) => {
        if (answer.published.length > 0) this.publishing.value = true;
      },
      on_failure: (error) => console.warn('podium: negotiation failed:', error.message),
    });
    const channel = new SignalingChannel(this.url_, {
      on_message: (msg) => { if (channel === this.channel_) this.on_message_(msg); },
      on_closed: () => { if (channel === this.channel_) this.dropped_(); },
    });
    this.channel_ = channel;
    try {
      await channel.open();
    } catch (error) {
      if (channel !== this.channel_) return;
      if (rejoin) {
        this.dropped_();
      } else {
        this.teardown_();
        this.store_.fail({ code: 'network', message: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    channel.send({ type: 'join', version: kProtocolVersion, token: this.token_ });
  }

  private on_message_(msg: ServerMessage): void {
    if (msg.type === 'answer') {
      this.negotiator_?.answer_received(msg);
      return;
    }
    if (msg.type === 'error') {
      if (this.negotiator_?.error_received(msg)) return;
      if (!this.ready_) {
        // The server refused the join (token expired, conference closed): retrying
        // with the same token cannot help.
        this.store_.apply(msg);
        this.left_ = true;
        this.teardown_();
        this.store_.fail({ code: msg.code, message: msg.message });
        return;
      }
    }
    const changed = this.store_.apply(msg);
    if (msg.type === 'welcome') {
      this.joined_once_ = true;
      this.policy_.reset();
      if (msg.permissions.publish) this.add_local_tracks_();
      // The first offer carries our own tracks and every track already published.
      this.ready_ = true;
      this.negotiator_?.request();
    } else if (changed && this.ready_) {
      this.negotiator_?.request();
    }
  }

  private add_local_tracks_(): void {
    if (!this.pc_ || !this.local_stream_) return;
    for (const track of this.local_stream_.getTracks()) {
      this.pc_.addTransceiver(track, { direction: 'sendonly', streams: [this.local_stream_] });
    }
  }

  // Negotiator hook: brings the transceivers in line with the store's tracks.
  private prepare_transceivers_(): void {
    const pc = this.pc_;
    if (!pc) return;
    const wanted = this.store_.tracks.value;
    for (const [id, transceiver] of this.transceivers_) {
      if (wanted.has(id)) continue;
      // Stopping makes its m-section port 0 in the next offer (RFC 8829 §4.2.1,
      // stop()), which is how the protocol unsubscribes.
      if (transceiver.currentDirection !== 'stopped') transceiver.stop();
      this.transceivers_.delete(id);
      this.detach_(transceiver.receiver.track);
    }
    for (const track of wanted.values()) {
      if (!this.transceivers_.has(track.id)) {
        this.transceivers_.set(track.id, pc.addTransceiver(track.kind, { direction: 'recvonly' }));
      }
    }
  }

  private subscriptions_(): Record<string, string> {
    const subscriptions: Record<string, string> = {};
    for (const [id, t] of this.transceivers_) {
      if (t.mid !== null && t.currentDirection !== 'stopped') subscriptions[t.mid] = id;
    }
    return subscriptions;
  }

  private on_track_(event: RTCTrackEvent): void {
    let participant: ParticipantId | null = null;
    for (const [id, t] of this.transceivers_) {
      if (t === event.transceiver) participant = this.store_.tracks.value.get(id)?.participant ?? null;
    }
    if (!participant) return;  // one of our own sendonly transceivers
    const next = new Map(this.streams.value);
    const old = next.get(participant);
    const stream = new MediaStream(
      (old?.getTracks() ?? []).filter((t) => t.kind !== event.track.kind).concat(event.track));
    next.set(participant, stream);
    this.streams.value = next;
  }

  private detach_(track: MediaStreamTrack): void {
    const next = new Map(this.streams.value);
    for (const [id, stream] of next) {
      if (!stream.getTracks().includes(track)) continue;
      const rest = stream.getTracks().filter((t) => t !== track);
      if (rest.length === 0) next.delete(id);
      else next.set(id, new MediaStream(rest));
    }
    this.streams.value = next;
  }

  private dropped_(): void {
    if (this.left_) return;
    this.teardown_();
    this.store_.begin_join(true);
    const delay = this.policy_.next_delay_ms();
    this.retry_timer_ = setTimeout(() => {
      this.retry_timer_ = null;
      if (!this.left_) void this.connect_();
    }, delay);
  }

  private teardown_(): void {
    this.negotiator_?.close();
    this.negotiator_ = null;
    const channel = this.channel_;
    this.channel_ = null;
    channel?.close();
    const pc = this.pc_;
    this.pc_ = null;
    pc?.close();
    this.transceivers_.clear();
    this.streams.value = new Map();
    this.publishing.value = false;
    this.ready_ = false;
  }
}
