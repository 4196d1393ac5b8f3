// One participant's connection to a conference: the signaling channel, the one
// RTCPeerConnection (bundlePolicy max-bundle, no ICE servers: the server is ICE-lite and
// its answer carries its candidates), the negotiator and the reconnect loop. Ported from
// web/static/app.js: the client always offers, with a sendonly transceiver per local
// track and a recvonly one per remote track, listed by mid in "subscriptions".
//
// After a network drop (signaling closed or silent, or ICE failed) it tears the peer
// connection down and joins again with the same token, keeping the local camera open,
// until it succeeds or the server refuses the token.
//
// What we publish follows the conference: when a host promotes us (role_changed) the
// store's may_publish turns true and we add our camera and microphone (opening the
// default devices if we joined without them); a demotion stops them. Device switching
// swaps the track in its sender (RTCRtpSender.replaceTrack), with no renegotiation.

import { effect, signal } from '@preact/signals';
import { open_devices } from '../media/devices';
import type { Command, ParticipantId, ServerMessage, TrackId } from '../protocol/signaling.gen';
import type { ConferenceStore } from '../state/conference_store';
import { Negotiator } from './negotiator';
import { ReconnectPolicy } from './reconnect_policy';
import { SignalingChannel } from './signaling_channel';
import { VideoSizes, publish_init } from './video_quality';

const kProtocolVersion = 1;
const kOfferRetries = 5;
const kOfferRetryMs = 500;

export type CommandName = Command['command'];
export type CommandArgs = Omit<Command, 'type' | 'id' | 'command'>;
export interface CommandResult { ok: boolean; reason?: string }

export class Session {
  // Remote media by participant, for the tiles.
  readonly streams = signal<ReadonlyMap<ParticipantId, MediaStream>>(new Map());
  readonly publishing = signal(false);
  // The language channel we receive ("lang:<code>", docs/interpretation.md), if any.
  readonly channel_track = signal<MediaStreamTrack | null>(null);
  private stop_channel_watch_: (() => void) | null = null;
  // The camera and microphone we publish (or would, if the role allows).
  readonly local = signal<MediaStream | null>(null);

  private pc_: RTCPeerConnection | null = null;
  private channel_: SignalingChannel | null = null;
  private negotiator_: Negotiator | null = null;
  private transceivers_ = new Map<TrackId, RTCRtpTransceiver>();
  private ready_ = false;
  private joined_once_ = false;
  private left_ = false;
  private retry_timer_: ReturnType<typeof setTimeout> | null = null;
  private readonly policy_ = new ReconnectPolicy();
  private senders_: RTCRtpTransceiver[] = [];
  private next_command_ = 1;
  private offer_retries_ = 0;
  private pending_ = new Map<number, (result: CommandResult) => void>();
  // The last refusal, for the screens to show (role or state did not allow it).
  readonly refusal = signal<string | null>(null);
  private stop_watching_: (() => void) | null = null;
  private readonly video_sizes_ = new VideoSizes();

  constructor(
    private readonly store_: ConferenceStore,
    private readonly url_: string,
    private readonly token_: string,
    // Camera/microphone chosen on the pre-join screen; published if the role may.
    local_stream: MediaStream | null,
  ) {
    this.local.value = local_stream;
  }

  private get local_stream_(): MediaStream | null {
    return this.local.value;
  }

  // Swaps the camera or microphone while live: the sender keeps its m-section, so
  // nobody renegotiates and the others see the new picture at once.
  async replace_track(track: MediaStreamTrack): Promise<void> {
    const old_stream = this.local.value;
    const kept = (old_stream?.getTracks() ?? []).filter((t) => t.kind !== track.kind);
    for (const t of old_stream?.getTracks() ?? []) if (t.kind === track.kind) t.stop();
    this.local.value = new MediaStream([...kept, track]);
    const sender = this.senders_.find((t) => t.sender.track?.kind === track.kind || t.receiver.track.kind === track.kind);
    if (sender) {
      await sender.sender.replaceTrack(track);
    } else if (this.ready_ && this.store_.may_publish.value && this.pc_) {
      this.senders_.push(this.pc_.addTransceiver(track, publish_init(track, this.local.value)));
      this.negotiator_?.request();
    }
  }

  // A tile shows `stream`'s video `height` CSS pixels tall (0: not shown); the server
  // then forwards the simulcast stream that fits ("video-size", docs/protocol.md).
  report_video_height(stream: MediaStream | null, height: number): void {
    for (const track of stream?.getVideoTracks() ?? []) this.video_sizes_.want(track, height);
    this.send_video_sizes_();
  }

  private send_video_sizes_(): void {
    const channel = this.channel_;
    if (!channel || !this.ready_) return;
    const mid_of = (track: MediaStreamTrack): string | null => {
      for (const t of this.transceivers_.values())
        if (t.receiver.track === track && t.currentDirection !== 'stopped') return t.mid;
      return null;
    };
    for (const { mid, height } of this.video_sizes_.due(mid_of)) channel.send({ type: 'video-size', mid, height });
  }

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
    this.stop_watching_ ??= effect(() => {
      const may = this.store_.may_publish.value;
      void this.publish_right_changed_(may);
    });
    // Choosing another language (or relay) changes what we receive: offer again.
    this.stop_channel_watch_ ??= effect(() => {
      void this.store_.interpretation.wanted_channel.value;
      if (this.ready_) this.negotiator_?.request();
    });
    await this.connect_();
  }

  // Promotion or demotion during the session (not the welcome: that adds tracks itself).
  private async publish_right_changed_(may: boolean): Promise<void> {
    if (!this.ready_ || !this.pc_) return;
    if (may && this.senders_.length === 0) {
      if (!this.local.value) {
        try {
          this.local.value = await open_devices({ camera: '', microphone: '' });
        } catch (error) {
          console.warn('podium: cannot open devices after promotion:', error);
          return;
        }
      }
      if (!this.store_.may_publish.value || !this.ready_) return;
      this.add_local_tracks_();
      this.negotiator_?.request();
    } else if (!may && this.senders_.length > 0) {
      for (const t of this.senders_) if (t.currentDirection !== 'stopped') t.stop();
      this.senders_ = [];
      this.publishing.value = false;
      this.negotiator_?.request();
    }
  }

  leave(): void {
    this.left_ = true;
    this.stop_watching_?.();
    this.stop_watching_ = null;
    this.stop_channel_watch_?.();
    this.stop_channel_watch_ = null;
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
        this.offer_retries_ = 0;
        if (answer.published.length > 0) this.publishing.value = true;
        // New m-sections have their mids now: tell the server how big they are shown.
        this.send_video_sizes_();
      },
      on_failure: (error) => {
        console.warn('podium: negotiation failed:', error.message);
        // A refused or unanswered offer was rolled back; what it carried (a new
        // subscription, our tracks right after a promotion the media plane had not
        // applied yet) is still wanted: offer again after a pause, a few times.
        if (this.offer_retries_ >= kOfferRetries) return;
        this.offer_retries_ += 1;
        const negotiator = this.negotiator_;
        setTimeout(() => { if (negotiator === this.negotiator_ && this.ready_) negotiator?.request(); },
          kOfferRetryMs * this.offer_retries_);
      },
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
    channel.send({ type: 'join', version: kProtocolVersion, token: this.token_, batch: true });
  }

  // A conference command (docs/protocol.md "command"); resolves with the server's result.
  command(command: CommandName, args: CommandArgs = {}): Promise<CommandResult> {
    const id = this.next_command_++;
    const sent = this.channel_?.send({ ...args, type: 'command', id, command }) ?? false;
    if (!sent) return Promise.resolve({ ok: false, reason: 'not connected' });
    return new Promise((resolve) => {
      this.pending_.set(id, (result) => {
        this.refusal.value = result.ok ? null : result.reason ?? command;
        resolve(result);
      });
    });
  }

  private on_message_(msg: ServerMessage): void {
    // News of others arriving and leaving, grouped by the server (we join with batch).
    if (msg.type === 'batch') {
      for (const inner of msg.messages) this.on_message_(inner);
      return;
    }
    if (msg.type === 'result') {
      const done = typeof msg.id === 'number' ? this.pending_.get(msg.id) : undefined;
      if (done && typeof msg.id === 'number') {
        this.pending_.delete(msg.id);
        done(msg.reason === undefined ? { ok: msg.ok } : { ok: msg.ok, reason: msg.reason });
      }
      return;
    }
    if (msg.type === 'answer') {
      this.negotiator_?.answer_received(msg);
      return;
    }
    if (msg.type === 'error') {
      if (this.negotiator_?.error_received(msg)) return;
      // The server refused the join (token expired, conference closed), or the organizer
      // removed us (forbidden, outside any offer): rejoining at once would undo it.
      if (!this.ready_ || msg.code === 'forbidden') {
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
      // An interpreter's microphone feeds a booth; no camera is shown for it.
      if (track.kind === 'video' && this.store_.me.value?.role === 'interpreter') continue;
      this.senders_.push(this.pc_.addTransceiver(track, publish_init(track, this.local_stream_)));
    }
  }

  // Negotiator hook: brings the transceivers in line with the store's tracks.
  private prepare_transceivers_(): void {
    const pc = this.pc_;
    if (!pc) return;
    const wanted = this.store_.tracks.value;
    const language = this.store_.interpretation.wanted_channel.value;
    const channel = language ? `lang:${language}` : null;
    for (const [id, transceiver] of this.transceivers_) {
      if (wanted.has(id) || id === channel) continue;
      if (id.startsWith('lang:')) this.channel_track.value = null;
      // Stopping makes its m-section port 0 in the next offer (RFC 8829 §4.2.1,
      // stop()), which is how the protocol unsubscribes.
      if (transceiver.currentDirection !== 'stopped') transceiver.stop();
      this.transceivers_.delete(id);
      this.video_sizes_.forget(transceiver.receiver.track);
      this.detach_(transceiver.receiver.track);
    }
    for (const track of wanted.values()) {
      if (!this.transceivers_.has(track.id)) {
        this.transceivers_.set(track.id, pc.addTransceiver(track.kind, { direction: 'recvonly' }));
      }
    }
    if (channel && !this.transceivers_.has(channel)) {
      this.transceivers_.set(channel, pc.addTransceiver('audio', { direction: 'recvonly' }));
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
      if (t === event.transceiver && id.startsWith('lang:')) {
        this.channel_track.value = event.track;
        return;
      }
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
    this.video_sizes_.reset();
    this.senders_ = [];
    for (const done of this.pending_.values()) done({ ok: false, reason: 'connection lost' });
    this.pending_.clear();
    this.streams.value = new Map();
    this.channel_track.value = null;
    this.publishing.value = false;
    this.ready_ = false;
  }
}
