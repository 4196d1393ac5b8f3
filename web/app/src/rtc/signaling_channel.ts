// WebSocket client for signaling protocol v1 (JSON text frames at /rtc, see
// docs/protocol.md). Delivers each server message whose "type" the schema knows; a
// silent socket (network gone without a close frame) is noticed by the ping deadline.

import { kServerMessageTypes } from '../protocol/signaling.gen';
import type { ClientMessage, ServerMessage } from '../protocol/signaling.gen';

export const kPingIntervalMs = 10000;
// No frame at all for this long (pongs included) means the path is gone.
export const kSilenceLimitMs = 25000;

export interface ChannelClosed {
  code: number;
  by_us: boolean;
}

export interface SignalingHandlers {
  on_message(msg: ServerMessage): void;
  on_closed(closed: ChannelClosed): void;
}

const kKnownTypes: ReadonlySet<string> = new Set(kServerMessageTypes);

// Parses one text frame; null for anything that is not a known server message.
export function parse_server_message(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null;
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  return as_server_message(msg, true);
}

// A batch holds server messages (never another batch); what is not one is dropped.
function as_server_message(msg: unknown, top: boolean): ServerMessage | null {
  if (typeof msg !== 'object' || msg === null) return null;
  const type = (msg as { type?: unknown }).type;
  if (typeof type !== 'string' || !kKnownTypes.has(type)) return null;
  if (type !== 'batch') return msg as ServerMessage;
  const inner = (msg as { messages?: unknown }).messages;
  if (!top || !Array.isArray(inner)) return null;
  const messages = inner.map((m) => as_server_message(m, false)).filter((m): m is ServerMessage => m !== null);
  return { type: 'batch', messages };
}

export class SignalingChannel {
  private ws_: WebSocket | null = null;
  private ping_timer_: ReturnType<typeof setInterval> | null = null;
  private last_frame_ = 0;
  private closed_by_us_ = false;
  private done_ = false;

  constructor(private readonly url_: string, private readonly handlers_: SignalingHandlers) {}

  // Resolves once the socket is open; rejects if it fails to open.
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url_);
      this.ws_ = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.last_frame_ = Date.now();
        this.ping_timer_ = setInterval(() => this.keepalive_(), kPingIntervalMs);
        resolve();
      };
      ws.onerror = () => {
        if (!opened) reject(new Error('signaling connection failed'));
      };
      ws.onclose = (event) => {
        this.stop_timer_();
        if (!opened) reject(new Error(`signaling closed before opening (code ${event.code})`));
        else this.finish_(event.code);
      };
      ws.onmessage = (event: MessageEvent) => {
        this.last_frame_ = Date.now();
        const msg = parse_server_message(event.data);
        if (msg) this.handlers_.on_message(msg);
        else console.warn('signaling: dropped a frame that is not a known server message');
      };
    });
  }

  get is_open(): boolean {
    return this.ws_ !== null && this.ws_.readyState === WebSocket.OPEN;
  }

  send(msg: ClientMessage): boolean {
    if (!this.is_open || !this.ws_) return false;
    this.ws_.send(JSON.stringify(msg));
    return true;
  }

  close(): void {
    this.closed_by_us_ = true;
    this.stop_timer_();
    if (this.ws_ && this.ws_.readyState <= WebSocket.OPEN) this.ws_.close(1000, 'leave');
    this.done_ = true;
  }

  private keepalive_(): void {
    if (Date.now() - this.last_frame_ > kSilenceLimitMs) {
      // The browser may take minutes to notice a dead TCP path; give up now.
      this.stop_timer_();
      this.ws_?.close(4000, 'silent');
      this.finish_(4000);
      return;
    }
    this.send({ type: 'ping' });
  }

  private finish_(code: number): void {
    // After close() the owner already knows; report only drops it did not ask for.
    if (this.done_) return;
    this.done_ = true;
    this.handlers_.on_closed({ code, by_us: this.closed_by_us_ });
  }

  private stop_timer_(): void {
    if (this.ping_timer_ !== null) clearInterval(this.ping_timer_);
    this.ping_timer_ = null;
  }
}
