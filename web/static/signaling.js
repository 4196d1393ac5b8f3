// WebSocket client for signaling protocol v1 (JSON text frames at /rtc).
// Dispatches each server message to the handler registered for its "type".

const kPingIntervalMs = 20000;

export class SignalingChannel {
  constructor(url) {
    this.url_ = url;
    this.ws_ = null;
    this.handlers_ = new Map();
    this.ping_timer_ = null;
    this.closed_by_us_ = false;
  }

  on(type, handler) {
    this.handlers_.set(type, handler);
    return this;
  }

  // Resolves once the socket is open; rejects if it fails to open.
  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url_);
      this.ws_ = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.ping_timer_ = setInterval(() => this.send({ type: 'ping' }), kPingIntervalMs);
        resolve();
      };
      ws.onerror = () => {
        if (!opened) reject(new Error(`WebSocket to ${this.url_} failed`));
      };
      ws.onclose = (event) => {
        clearInterval(this.ping_timer_);
        this.ping_timer_ = null;
        if (!opened) reject(new Error(`WebSocket closed before opening (code ${event.code})`));
        else this.dispatch_({ type: 'closed', code: event.code, reason: event.reason, by_us: this.closed_by_us_ });
      };
      ws.onmessage = (event) => {
        let msg;
        try {
          msg = JSON.parse(event.data);
        } catch {
          console.warn('signaling: dropped a frame that is not JSON');
          return;
        }
        if (!msg || typeof msg.type !== 'string') {
          console.warn('signaling: dropped a message without a type');
          return;
        }
        this.dispatch_(msg);
      };
    });
  }

  get is_open() {
    return this.ws_ !== null && this.ws_.readyState === WebSocket.OPEN;
  }

  send(msg) {
    if (!this.is_open) return false;
    this.ws_.send(JSON.stringify(msg));
    return true;
  }

  close() {
    this.closed_by_us_ = true;
    clearInterval(this.ping_timer_);
    this.ping_timer_ = null;
    if (this.ws_ && this.ws_.readyState <= WebSocket.OPEN) this.ws_.close(1000, 'leave');
  }

  dispatch_(msg) {
    const handler = this.handlers_.get(msg.type);
    if (handler) handler(msg);
    else if (msg.type !== 'pong') console.debug('signaling: unhandled message', msg.type);
  }
}

export function signaling_url(token, base = window.location) {
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${base.host}/rtc?token=${encodeURIComponent(token)}`;
}
