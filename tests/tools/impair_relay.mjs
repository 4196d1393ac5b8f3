#!/usr/bin/env node
// UDP impairment relay for media-quality tests: a browser talks to the relay,
// the relay talks to the server, and each direction can lose, delay, jitter,
// reorder and rate-limit packets. The kernel here has no netem qdisc, so this
// is how loss and delay reach a real WebRTC session.
//
//   node tests/tools/impair_relay.mjs --listen 127.0.0.2:41002 --upstream 127.0.0.1:41002 \
//     --loss 5 --delay 40 --jitter 20 [--control 127.0.0.1:18099]
//
// One upstream socket per client address:port, so the server sees a distinct
// 5-tuple per client exactly as it would without the relay (ICE-lite learns the
// peer address from the STUN checks that arrive, RFC 8445 §2.5).
//
// Order per packet: loss (random, then Gilbert-Elliott) → token bucket (FIFO
// queue, tail drop) → delay + jitter (order kept) → optional reordering (a
// packet held back past its successors).
//
// Usable as a module (ImpairRelay) or as a program with a small HTTP control:
//   GET  /counters           → {"up": {...}, "down": {...}, "clients": n}
//   GET  /config             → the settings in force
//   POST /config  {"down": {"loss": 0}, "both": {"rate_kbps": 0}}  → 200 or 400
// and line commands on stdin: `set down.loss=0 up.delay_ms=10`, `counters`, `config`.

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

// Per-direction settings. Percentages are 0..100; a rate of 0 means unlimited.
export const kDefaultImpairment = Object.freeze({
  loss: 0,             // % of packets dropped independently
  burst_p: 0,          // Gilbert-Elliott: % chance per packet of Good → Bad
  burst_r: 100,        // Gilbert-Elliott: % chance per packet of Bad → Good
  burst_loss: 100,     // % loss while in Bad (Good loses nothing)
  delay_ms: 0,         // one-way delay added to every packet
  jitter_ms: 0,        // delay varies uniformly in ±jitter_ms; packet order is kept
  reorder: 0,          // % of packets held back by reorder_gap_ms past later ones
  reorder_gap_ms: 15,
  rate_kbps: 0,        // token bucket rate (kbit/s); 0 = no limit
  bucket_bytes: 8000,  // token bucket depth (burst allowed at line speed)
  queue_ms: 300,       // longest wait in the bucket's queue before tail drop
});

const kIdleTimeoutMs = 60000;

function new_counters() {
  return {
    received: 0, forwarded: 0, bytes_forwarded: 0,
    dropped_loss: 0, dropped_burst: 0, dropped_queue: 0, reordered: 0,
    max_queue_ms: 0,
  };
}

// Small seeded PRNG (mulberry32) so a run can be repeated with --seed.
function make_random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Checks a partial setting ({loss: 5, ...}); returns an error text or null.
function check_impairment(patch, where) {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return `${where}: expected an object of settings`;
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in kDefaultImpairment)) {
      return `${where}: unknown setting '${key}' (known: ${Object.keys(kDefaultImpairment).join(', ')})`;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      return `${where}.${key}: expected a number >= 0, got ${JSON.stringify(value)}`;
    }
    if (['loss', 'burst_p', 'burst_r', 'burst_loss', 'reorder'].includes(key) && value > 100) {
      return `${where}.${key}: a percentage must be <= 100, got ${value}`;
    }
  }
  return null;
}

// One direction of the relay: decides, for each packet, whether and when it is sent.
// Pure apart from the random source; time is passed in.
export class ImpairedPath {
  constructor(random) {
    this.random_ = random;
    this.settings = { ...kDefaultImpairment };
    this.counters = new_counters();
    this.bad_state_ = false;
    this.bucket_time_ = 0;     // when the last queued packet leaves the bucket
    this.bucket_tokens_ = kDefaultImpairment.bucket_bytes;
    this.last_send_ = 0;       // latest in-order send time handed out
  }

  configure(patch) {
    Object.assign(this.settings, patch);
    if ('bucket_bytes' in patch || 'rate_kbps' in patch) {
      this.bucket_tokens_ = Math.min(this.bucket_tokens_, this.settings.bucket_bytes);
    }
  }

  // Returns the time (ms, same clock as now_ms) at which to send a packet of
  // `size` bytes that arrived at now_ms, or null to drop it.
  schedule(size, now_ms) {
    const s = this.settings;
    const c = this.counters;
    c.received += 1;
    if (s.loss > 0 && this.random_() * 100 < s.loss) {
      c.dropped_loss += 1;
      return null;
    }
    if (s.burst_p > 0 || this.bad_state_) {
      // Gilbert-Elliott: two-state Markov chain, one transition per packet.
      if (this.bad_state_) {
        if (this.random_() * 100 < s.burst_r) this.bad_state_ = false;
      } else if (this.random_() * 100 < s.burst_p) {
        this.bad_state_ = true;
      }
      if (this.bad_state_ && this.random_() * 100 < s.burst_loss) {
        c.dropped_burst += 1;
        return null;
      }
    }
    let leave = now_ms;
    if (s.rate_kbps > 0) {
      // Token bucket with a FIFO queue: the packet leaves once the bucket holds
      // `size` tokens, after every packet queued before it.
      const bytes_per_ms = s.rate_kbps / 8;
      const start = Math.max(now_ms, this.bucket_time_);
      const tokens = Math.min(s.bucket_bytes,
        this.bucket_tokens_ + (start - this.bucket_time_) * bytes_per_ms);
      leave = tokens >= size ? start : start + (size - tokens) / bytes_per_ms;
      const wait = leave - now_ms;
      if (wait > s.queue_ms) {
        c.dropped_queue += 1;
        return null;
      }
      c.max_queue_ms = Math.max(c.max_queue_ms, Math.round(wait));
      this.bucket_tokens_ = Math.max(0, tokens - size);
      this.bucket_time_ = leave;
    }
    let send = leave + s.delay_ms;
    if (s.jitter_ms > 0) send += (this.random_() * 2 - 1) * s.jitter_ms;
    // Jitter alone does not reorder (a queue on a real path keeps order).
    send = Math.max(send, this.last_send_, now_ms);
    this.last_send_ = send;
    if (s.reorder > 0 && this.random_() * 100 < s.reorder) {
      c.reordered += 1;
      send += s.reorder_gap_ms;  // not recorded in last_send_: successors overtake it
    }
    return send;
  }
}

// Packets waiting for their send time, earliest first (ties in arrival order),
// released by one timer.
class SendQueue {
  constructor() {
    this.items_ = [];
    this.timer_ = null;
    this.seq_ = 0;
  }

  push(at_ms, send) {
    const item = { at: at_ms, seq: this.seq_++, send };
    // Almost always appended at the end; search from the back.
    let i = this.items_.length;
    while (i > 0 && this.items_[i - 1].at > at_ms) i -= 1;
    this.items_.splice(i, 0, item);
    if (i === 0) this.arm_();
  }

  clear() {
    clearTimeout(this.timer_);
    this.timer_ = null;
    this.items_ = [];
  }

  arm_() {
    clearTimeout(this.timer_);
    if (this.items_.length === 0) {
      this.timer_ = null;
      return;
    }
    const wait = Math.max(0, this.items_[0].at - performance.now());
    this.timer_ = setTimeout(() => this.flush_(), wait);
  }

  flush_() {
    const now = performance.now();
    // Timers fire up to ~1 ms late; sending what is due within 0.5 ms avoids a spin.
    while (this.items_.length > 0 && this.items_[0].at <= now + 0.5) this.items_.shift().send();
    this.arm_();
  }
}

function parse_endpoint(text, what) {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text ?? '');
  if (!m || !net.isIP(m[1]) || Number(m[2]) > 65535) {
    throw new Error(`${what}: expected IP:PORT, got ${JSON.stringify(text)}`);
  }
  return { address: m[1], port: Number(m[2]) };
}

export class ImpairRelay {
  // options: {listen: 'IP:PORT', upstream: 'IP:PORT', up: {...}, down: {...},
  //           seed, idle_timeout_ms}
  static async start(options) {
    const relay = new ImpairRelay(options);
    await relay.bind_();
    return relay;
  }

  constructor(options) {
    this.listen_ = parse_endpoint(options.listen, 'listen');
    this.upstream_ = parse_endpoint(options.upstream, 'upstream');
    const random = make_random(options.seed ?? Date.now());
    this.paths_ = { up: new ImpairedPath(random), down: new ImpairedPath(random) };
    this.idle_timeout_ms_ = options.idle_timeout_ms ?? kIdleTimeoutMs;
    this.clients_ = new Map();  // "ip:port" → {socket, address, port, last_ms}
    this.random_ = random;
    this.client_paths_ = new Map();  // "ip:port" → {up, down}: one client's own path
    this.unexpected_ = 0;       // packets on an upstream socket not from the server
    this.queue_ = new SendQueue();
    const patch = {};
    for (const key of ['both', 'up', 'down']) if (options[key]) patch[key] = options[key];
    const error = this.configure(patch);
    if (error) throw new Error(error);
  }

  get address() {
    const a = this.socket_.address();
    return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  // patch: {both?: {...}, up?: {...}, down?: {...}}. Checks everything first;
  // returns an error text and changes nothing, or null once applied.
  configure(patch) {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      return 'expected an object with "both", "up" and/or "down"';
    }
    for (const [key, value] of Object.entries(patch)) {
      if (!['both', 'up', 'down'].includes(key)) return `unknown direction '${key}' (both, up, down)`;
      const error = check_impairment(value, key);
      if (error) return error;
    }
    for (const dir of ['up', 'down']) {
      if (patch.both) this.paths_[dir].configure(patch.both);
      if (patch[dir]) this.paths_[dir].configure(patch[dir]);
    }
    return null;
  }

  config() {
    return { up: { ...this.paths_.up.settings }, down: { ...this.paths_.down.settings } };
  }

  // One client's own path (e.g. a single subscriber's slow link): its packets go through
  // these settings instead of the shared ones, from the defaults up. `key` is the
  // client's "IP:PORT" as the relay sees it (client_keys()). Same patch format and
  // checks as configure(); returns an error text or null.
  configure_client(key, patch) {
    if (typeof key !== 'string' || !/^.+:\d+$/.test(key)) return `bad client '${key}' (IP:PORT)`;
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      return 'expected an object with "both", "up" and/or "down"';
    }
    for (const [dir, value] of Object.entries(patch)) {
      if (!['both', 'up', 'down'].includes(dir)) return `unknown direction '${dir}' (both, up, down)`;
      const error = check_impairment(value, dir);
      if (error) return error;
    }
    let paths = this.client_paths_.get(key);
    if (!paths) {
      paths = { up: new ImpairedPath(this.random_), down: new ImpairedPath(this.random_) };
      this.client_paths_.set(key, paths);
    }
    for (const dir of ['up', 'down']) {
      if (patch.both) paths[dir].configure(patch.both);
      if (patch[dir]) paths[dir].configure(patch[dir]);
    }
    return null;
  }

  client_keys() { return [...this.clients_.keys()]; }

  // The client ("IP:PORT") whose packets reach the upstream from this local port, i.e.
  // the address the server sees for it; undefined if none.
  client_by_upstream_port(port) {
    for (const [key, client] of this.clients_) {
      if (client.socket.address().port === port) return key;
    }
    return undefined;
  }

  client_counters(key) {
    const paths = this.client_paths_.get(key);
    return paths ? { up: { ...paths.up.counters }, down: { ...paths.down.counters } } : null;
  }

  counters() {
    return {
      up: { ...this.paths_.up.counters },
      down: { ...this.paths_.down.counters },
      clients: this.clients_.size,
      unexpected: this.unexpected_,
    };
  }

  async close() {
    clearInterval(this.sweep_timer_);
    this.queue_.clear();
    for (const client of this.clients_.values()) client.socket.close();
    this.clients_.clear();
    await new Promise((resolve) => this.socket_.close(resolve));
  }

  async bind_() {
    this.socket_ = dgram.createSocket(net.isIPv6(this.listen_.address) ? 'udp6' : 'udp4');
    this.socket_.on('message', (data, from) => this.from_client_(data, from));
    await new Promise((resolve, reject) => {
      this.socket_.once('error', reject);
      this.socket_.bind(this.listen_.port, this.listen_.address, () => {
        this.socket_.off('error', reject);
        // A send error (e.g. a vanished client) must not end the relay.
        this.socket_.on('error', () => {});
        resolve();
      });
    });
    this.sweep_timer_ = setInterval(() => this.sweep_(), Math.min(this.idle_timeout_ms_, 5000));
    this.sweep_timer_.unref();
  }

  client_for_(from) {
    const key = `${from.address}:${from.port}`;
    let client = this.clients_.get(key);
    if (client) return client;
    const socket = dgram.createSocket(net.isIPv6(this.upstream_.address) ? 'udp6' : 'udp4');
    client = { socket, address: from.address, port: from.port, last_ms: 0 };
    socket.on('error', () => {});
    socket.on('message', (data, server) => {
      if (server.address !== this.upstream_.address || server.port !== this.upstream_.port) {
        this.unexpected_ += 1;
        return;
      }
      client.last_ms = performance.now();
      this.forward_(this.client_paths_.get(key)?.down ?? this.paths_.down, data, () =>
        this.socket_.send(data, client.port, client.address));
    });
    socket.bind(0);
    this.clients_.set(key, client);
    return client;
  }

  from_client_(data, from) {
    const client = this.client_for_(from);
    client.last_ms = performance.now();
    const key = `${from.address}:${from.port}`;
    this.forward_(this.client_paths_.get(key)?.up ?? this.paths_.up, data, () =>
      client.socket.send(data, this.upstream_.port, this.upstream_.address));
  }

  forward_(path, data, send) {
    const now = performance.now();
    const at = path.schedule(data.length, now);
    if (at === null) return;
    const counted_send = () => {
      path.counters.forwarded += 1;
      path.counters.bytes_forwarded += data.length;
      send();
    };
    if (at <= now) counted_send();
    else this.queue_.push(at, counted_send);
  }

  sweep_() {
    const now = performance.now();
    for (const [key, client] of this.clients_) {
      if (now - client.last_ms > this.idle_timeout_ms_) {
        client.socket.close();
        this.clients_.delete(key);
      }
    }
  }
}

// ---- command line ------------------------------------------------------------

const kUsage = `usage: impair_relay.mjs --listen IP:PORT --upstream IP:PORT [options]
  --control IP:PORT     HTTP control (GET /counters, GET /config, POST /config)
  --seed N              random seed (default: time)
  --stats SECONDS       print counters every SECONDS (default 0: only at exit)
  --SETTING VALUE       both directions; --up-SETTING / --down-SETTING for one
settings (dashes or underscores): ${Object.keys(kDefaultImpairment).join(', ')}
  e.g. --loss 5 --delay-ms 40 --jitter-ms 20 --down-rate-kbps 800
stdin: "set down.loss=0 both.rate_kbps=0", "counters", "config"`;

export function parse_args(argv) {
  const options = { both: {}, up: {}, down: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') return { help: true };
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(flag)}`);
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i += 1;
    const name = flag.slice(2).replaceAll('-', '_');
    if (['listen', 'upstream', 'control'].includes(name)) {
      options[name] = value;
      continue;
    }
    if (name === 'seed' || name === 'stats') {
      options[name] = Number(value);
      if (!Number.isFinite(options[name])) throw new Error(`${flag}: expected a number`);
      continue;
    }
    let dir = 'both';
    let key = name;
    for (const d of ['up', 'down']) {
      if (name.startsWith(`${d}_`)) {
        dir = d;
        key = name.slice(d.length + 1);
      }
    }
    // Short forms: --delay, --jitter, --rate, --queue, --bucket.
    key = { delay: 'delay_ms', jitter: 'jitter_ms', rate: 'rate_kbps', queue: 'queue_ms', bucket: 'bucket_bytes', reorder_gap: 'reorder_gap_ms' }[key] ?? key;
    if (!(key in kDefaultImpairment)) throw new Error(`unknown option ${flag}\n${kUsage}`);
    options[dir][key] = Number(value);
  }
  if (!options.listen || !options.upstream) throw new Error(`--listen and --upstream are required\n${kUsage}`);
  return options;
}

// "set down.loss=0 up.delay_ms=10" → {down: {loss: 0}, up: {delay_ms: 10}}
export function parse_set_command(words) {
  const patch = {};
  for (const word of words) {
    const m = /^(both|up|down)\.([a-z_]+)=(.+)$/.exec(word);
    if (!m) return { error: `expected DIRECTION.SETTING=NUMBER, got ${JSON.stringify(word)}` };
    (patch[m[1]] ??= {})[m[2]] = Number(m[3]);
  }
  return { patch };
}

function serve_control(relay, endpoint) {
  const { address, port } = parse_endpoint(endpoint, 'control');
  const server = http.createServer((req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method === 'GET' && req.url === '/counters') return reply(200, relay.counters());
    if (req.method === 'GET' && req.url === '/config') return reply(200, relay.config());
    if (req.method === 'POST' && req.url === '/config') {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
        if (body.length > 65536) req.destroy();
      });
      req.on('end', () => {
        let patch;
        try {
          patch = JSON.parse(body);
        } catch (error) {
          return reply(400, { error: `body is not JSON: ${error.message}` });
        }
        const error = relay.configure(patch);
        return error ? reply(400, { error }) : reply(200, relay.config());
      });
      return undefined;
    }
    return reply(404, { error: 'GET /counters, GET /config or POST /config' });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

async function main() {
  let options;
  try {
    options = parse_args(process.argv.slice(2));
  } catch (error) {
    console.error(`impair_relay: ${error.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(kUsage);
    return;
  }
  let relay;
  try {
    relay = await ImpairRelay.start(options);
  } catch (error) {
    console.error(`impair_relay: ${error.message}`);
    process.exit(2);
  }
  const control = options.control ? await serve_control(relay, options.control) : null;
  console.log(`impair_relay: ${relay.address} → ${options.upstream}` +
    `${control ? `, control on http://${options.control}` : ''}`);
  console.log(`impair_relay: config ${JSON.stringify(relay.config())}`);
  const print_counters = () => console.log(`impair_relay: counters ${JSON.stringify(relay.counters())}`);
  if (options.stats > 0) setInterval(print_counters, options.stats * 1000);
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, ...words] = line.trim().split(/\s+/);
    if (command === 'counters') return print_counters();
    if (command === 'config') return console.log(`impair_relay: config ${JSON.stringify(relay.config())}`);
    if (command === 'set') {
      const { patch, error } = parse_set_command(words);
      const failure = error ?? relay.configure(patch);
      return console.log(failure ? `impair_relay: error: ${failure}` : `impair_relay: config ${JSON.stringify(relay.config())}`);
    }
    if (command) console.log('impair_relay: error: commands are set, counters, config');
    return undefined;
  });
  const stop = async () => {
    print_counters();
    control?.close();
    await relay.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
