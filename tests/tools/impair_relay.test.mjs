// The impairment relay itself: the per-packet decisions with time passed in,
// then the real relay over loopback UDP (distinct upstream tuples, delay,
// runtime control of the program over HTTP and stdin).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ImpairRelay, ImpairedPath, parse_args } from './impair_relay.mjs';

const kRelayProgram = fileURLToPath(new URL('./impair_relay.mjs', import.meta.url));

function seeded(seed) {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

describe('ImpairedPath decisions', () => {
  it('forwards everything at once with the defaults', () => {
    const path = new ImpairedPath(seeded(1));
    for (let i = 0; i < 100; i += 1) assert.equal(path.schedule(1200, i), i);
    assert.equal(path.counters.received, 100);
  });

  it('drops about the configured share at random', () => {
    const path = new ImpairedPath(seeded(7));
    path.configure({ loss: 10 });
    let dropped = 0;
    for (let i = 0; i < 10000; i += 1) if (path.schedule(100, i) === null) dropped += 1;
    assert.ok(dropped > 850 && dropped < 1150, `dropped ${dropped} of 10000`);
    assert.equal(path.counters.dropped_loss, dropped);
  });

  it('Gilbert-Elliott loses packets in runs', () => {
    const path = new ImpairedPath(seeded(3));
    path.configure({ burst_p: 2, burst_r: 25 });  // mean run 4 packets, ~7.4 % loss
    const lost = [];
    for (let i = 0; i < 20000; i += 1) lost.push(path.schedule(100, i) === null);
    const total = lost.filter(Boolean).length;
    let runs = 0;
    for (let i = 0; i < lost.length; i += 1) if (lost[i] && !lost[i - 1]) runs += 1;
    const mean_run = total / runs;
    assert.ok(total > 1000 && total < 2000, `lost ${total}`);
    assert.ok(mean_run > 3 && mean_run < 5.5, `mean run ${mean_run}`);
    assert.equal(path.counters.dropped_burst, total);
  });

  it('keeps order under jitter and stays within delay ± jitter', () => {
    const path = new ImpairedPath(seeded(5));
    path.configure({ delay_ms: 40, jitter_ms: 20 });
    let last = -Infinity;
    for (let i = 0; i < 1000; i += 1) {
      const now = i * 5;
      const at = path.schedule(100, now);
      assert.ok(at >= last, 'order kept');
      assert.ok(at - now >= 20 && at - now <= 60 + 5, `delay ${at - now}`);
      last = at;
    }
  });

  it('reorders the configured share past later packets', () => {
    const path = new ImpairedPath(seeded(9));
    path.configure({ reorder: 10, reorder_gap_ms: 15 });
    const sends = [];
    for (let i = 0; i < 1000; i += 1) sends.push(path.schedule(100, i * 2));
    let overtaken = 0;
    for (let i = 0; i + 1 < sends.length; i += 1) if (sends[i] > sends[i + 1]) overtaken += 1;
    assert.ok(path.counters.reordered > 60 && path.counters.reordered < 140);
    assert.ok(overtaken >= path.counters.reordered * 0.9, `overtaken ${overtaken}`);
  });

  it('token bucket paces to the rate and tail-drops past the queue limit', () => {
    const path = new ImpairedPath(seeded(2));
    // 800 kbit/s = 100 bytes/ms; bucket 2000 bytes; at most 100 ms queued.
    path.configure({ rate_kbps: 800, bucket_bytes: 2000, queue_ms: 100 });
    const sends = [];
    for (let i = 0; i < 50; i += 1) sends.push(path.schedule(1000, 0));  // a burst at t=0
    const passed = sends.filter((t) => t !== null);
    // 2 packets from the bucket at once, then one per 10 ms up to 100 ms.
    assert.deepEqual(passed, [0, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.equal(path.counters.dropped_queue, 50 - passed.length);
    // Lifting the limit: what is queued still leaves first (order kept), and
    // after that packets go at once.
    path.configure({ rate_kbps: 0 });
    assert.equal(path.schedule(1000, 1), 100);
    assert.equal(path.schedule(1000, 200), 200);
    assert.equal(path.schedule(1000, 200), 200);
  });
});

// A UDP echo server that reports which source addresses it saw.
async function echo_server() {
  const socket = dgram.createSocket('udp4');
  const sources = new Set();
  socket.on('message', (data, from) => {
    sources.add(`${from.address}:${from.port}`);
    socket.send(data, from.port, from.address);
  });
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, sources, address: `127.0.0.1:${socket.address().port}` };
}

async function client_socket() {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.replies = [];
  socket.on('message', (data) => socket.replies.push({ text: data.toString(), at: performance.now() }));
  return socket;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ImpairRelay over loopback', () => {
  it('gives each client its own upstream tuple and its own replies', async () => {
    const echo = await echo_server();
    const relay = await ImpairRelay.start({ listen: '127.0.0.1:0', upstream: echo.address });
    const [port] = relay.address.split(':').slice(-1);
    const a = await client_socket();
    const b = await client_socket();
    try {
      for (let i = 0; i < 5; i += 1) {
        a.send(`a${i}`, Number(port), '127.0.0.1');
        b.send(`b${i}`, Number(port), '127.0.0.1');
      }
      await sleep(200);
      assert.deepEqual(a.replies.map((r) => r.text), ['a0', 'a1', 'a2', 'a3', 'a4']);
      assert.deepEqual(b.replies.map((r) => r.text), ['b0', 'b1', 'b2', 'b3', 'b4']);
      assert.equal(echo.sources.size, 2, 'the server saw two distinct tuples');
      const counters = relay.counters();
      assert.equal(counters.clients, 2);
      assert.equal(counters.up.forwarded, 10);
      assert.equal(counters.down.forwarded, 10);
    } finally {
      a.close();
      b.close();
      await relay.close();
      echo.socket.close();
    }
  });

  it('impairs one client\'s path only when configured per client', async () => {
    const echo = await echo_server();
    const relay = await ImpairRelay.start({ listen: '127.0.0.1:0', upstream: echo.address, seed: 5 });
    const port = Number(relay.address.split(':').pop());
    const slow = await client_socket();
    const fast = await client_socket();
    try {
      slow.send('hello', port, '127.0.0.1');
      fast.send('hello', port, '127.0.0.1');
      await sleep(100);
      const key = relay.client_keys().find((k) => k.endsWith(`:${slow.address().port}`));
      assert.ok(key, `client keys: ${relay.client_keys()}`);
      assert.match(relay.configure_client(key, { down: { loss: 101 } }), /percentage/);
      assert.match(relay.configure_client('nonsense', { down: {} }), /IP:PORT/);
      assert.equal(relay.configure_client(key, { down: { loss: 100 } }), null);
      for (let i = 0; i < 10; i += 1) {
        slow.send(`s${i}`, port, '127.0.0.1');
        fast.send(`f${i}`, port, '127.0.0.1');
      }
      await sleep(200);
      assert.equal(fast.replies.length, 11, 'the other client is untouched');
      assert.equal(slow.replies.length, 1, 'every reply to the slow client is lost');
      assert.equal(relay.client_counters(key).down.dropped_loss, 10);
      assert.equal(relay.counters().down.dropped_loss, 0, 'the shared path lost nothing');
      assert.equal(relay.configure_client(key, { down: { loss: 0 } }), null);
      slow.send('again', port, '127.0.0.1');
      await sleep(100);
      assert.equal(slow.replies.length, 2, 'lifted');
    } finally {
      slow.close();
      fast.close();
      await relay.close();
      echo.socket.close();
    }
  });

  it('delays one direction only and refuses a bad setting without changing anything', async () => {
    const echo = await echo_server();
    const relay = await ImpairRelay.start({
      listen: '127.0.0.1:0', upstream: echo.address, up: { delay_ms: 60 },
    });
    const port = Number(relay.address.split(':').pop());
    const c = await client_socket();
    try {
      const sent = performance.now();
      c.send('x', port, '127.0.0.1');
      await sleep(150);
      assert.equal(c.replies.length, 1);
      const rtt = c.replies[0].at - sent;
      assert.ok(rtt >= 59 && rtt < 120, `round trip ${rtt} ms`);

      const before = relay.config();
      assert.match(relay.configure({ down: { loss: 150 } }), /percentage/);
      assert.match(relay.configure({ up: { delay_ms: 0 }, sideways: {} }), /unknown direction/);
      assert.match(relay.configure({ up: { lag: 1 } }), /unknown setting/);
      assert.deepEqual(relay.config(), before);
    } finally {
      c.close();
      await relay.close();
      echo.socket.close();
    }
  });

  it('the program starts from flags, reports counters and lifts a loss at runtime over HTTP', async () => {
    const echo = await echo_server();
    // Free ports for the relay and its control, found by binding port 0.
    const probe = await client_socket();
    const relay_port = probe.address().port;
    probe.close();
    const control_port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [kRelayProgram,
      '--listen', `127.0.0.1:${relay_port}`, '--upstream', echo.address,
      '--control', `127.0.0.1:${control_port}`, '--down-loss', '100', '--seed', '1'],
    { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const c = await client_socket();
    const control = `http://127.0.0.1:${control_port}`;
    try {
      for (let i = 0; i < 50 && !/control on/.test(output); i += 1) await sleep(100);
      assert.match(output, /control on/);
      for (let i = 0; i < 10; i += 1) c.send(`p${i}`, relay_port, '127.0.0.1');
      await sleep(200);
      assert.equal(c.replies.length, 0, 'everything lost downstream');
      let counters = await (await fetch(`${control}/counters`)).json();
      assert.equal(counters.up.forwarded, 10);
      assert.equal(counters.down.dropped_loss, 10);

      const refused = await fetch(`${control}/config`, { method: 'POST', body: '{"down": {"loss": -1}}' });
      assert.equal(refused.status, 400);
      assert.match((await refused.json()).error, />= 0/);

      const lifted = await fetch(`${control}/config`, { method: 'POST', body: '{"down": {"loss": 0}}' });
      assert.equal(lifted.status, 200);
      assert.equal((await lifted.json()).down.loss, 0);
      for (let i = 0; i < 10; i += 1) c.send(`q${i}`, relay_port, '127.0.0.1');
      await sleep(200);
      assert.equal(c.replies.length, 10);

      // The same through stdin.
      child.stdin.write('set both.delay_ms=5 down.loss=100\n');
      await sleep(200);
      assert.match(output, /"down":\{"loss":100/);
      child.stdin.write('set down.loss=abc\n');
      await sleep(200);
      assert.match(output, /error: down\.loss/);
      counters = await (await fetch(`${control}/counters`)).json();
      assert.equal(counters.down.forwarded, 10);
    } finally {
      c.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      echo.socket.close();
    }
    assert.match(output, /counters \{/, 'prints its counters at exit');
  });

  it('refuses bad flags with a clear message', () => {
    assert.throws(() => parse_args(['--listen', '127.0.0.1:1']), /--upstream are required/);
    assert.throws(() => parse_args(['--listen', 'a', '--upstream', 'b', '--lag', '1']), /unknown option --lag/);
    const options = parse_args(['--listen', '127.0.0.1:1', '--upstream', '127.0.0.1:2',
      '--loss', '5', '--delay', '40', '--down-jitter-ms', '20', '--up-rate', '500']);
    assert.deepEqual(options.both, { loss: 5, delay_ms: 40 });
    assert.deepEqual(options.down, { jitter_ms: 20 });
    assert.deepEqual(options.up, { rate_kbps: 500 });
  });
});
