// UDP blocked: two Chromium speakers must still meet over ICE-TCP (RFC 6544).
//
// The test starts a server of its own (UDP and TCP on the same port number,
// the server's default) and, inside the network namespace run.sh made, adds an
// nftables table that drops every UDP datagram to or from that port on input.
// The browsers' UDP connectivity checks then vanish (as behind a firewall that
// drops UDP), and the only pair that can succeed is their active TCP candidate
// toward the server's "tcp ... typ host tcptype passive" one. The rule carries a
// counter, so the test also proves that UDP was tried and dropped. The table is
// deleted afterwards; it never exists outside the test's namespace (run.sh sets
// PODIUM_E2E_NETNS=1 only inside it, and the test is skipped without it).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  assert_no_page_errors, conference_name, expect_media_from, join_test_page,
  launch_browser, start_server,
} from './lib/harness.mjs';

const kPort = Number(process.env.PODIUM_TCP_TEST_PORT || 41020);
const kHttp = `127.0.0.1:${process.env.PODIUM_TCP_TEST_HTTP_PORT || 18083}`;
const kTable = 'podium_e2e_udp_block';

function nft(...args) {
  return execFileSync('nft', args, { encoding: 'utf8', timeout: 10000 });
}

function nft_usable() {
  try {
    nft('list', 'tables');
    return true;
  } catch {
    return false;
  }
}

const skip = process.env.PODIUM_E2E_NETNS !== '1'
  ? 'needs the network namespace of run.sh (the UDP block must not touch the host)'
  : !nft_usable()
    ? 'nft is missing or refused here (apt-get install nftables)'
    : false;

// Packets the drop rule has counted so far.
function dropped_packets() {
  const out = nft('list', 'table', 'inet', kTable);
  return [...out.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

// The transport of the pair the page's connection selected ("udp"/"tcp").
async function selected_protocol(page) {
  return page.evaluate(async () => {
    const stats = await window.podium.pc.getStats();
    let pair_id = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair_id = s.selectedCandidatePairId; });
    const pair = pair_id && stats.get(pair_id);
    const local = pair && stats.get(pair.localCandidateId);
    const remote = pair && stats.get(pair.remoteCandidateId);
    return local && remote ? { local: local.protocol, remote: remote.protocol, remote_port: remote.port } : null;
  });
}

describe('UDP blocked: the session connects over ICE-TCP', { skip, timeout: 90000 }, () => {
  const conference = conference_name('tcp');
  let server;
  let browser;
  let alice;
  let bob;

  const join = (name) => join_test_page(server, browser, conference, name);

  before(async () => {
    // Drop on input, both directions of the port: checks sent to the server's
    // UDP port never arrive, and nothing the server might send comes back.
    nft('add', 'table', 'inet', kTable);
    nft('add', 'chain', 'inet', kTable, 'input', '{ type filter hook input priority 0; policy accept; }');
    nft('add', 'rule', 'inet', kTable, 'input', 'udp', 'dport', String(kPort), 'counter', 'drop');
    nft('add', 'rule', 'inet', kTable, 'input', 'udp', 'sport', String(kPort), 'counter', 'drop');
    // One worker: UDP and TCP both on kPort (each worker binds port + index).
    server = await start_server({ http: kHttp, udp: `127.0.0.1:${kPort}`, workers: 1, label: 'tcp server' });
    browser = await launch_browser();
    alice = await join('Alice');
    bob = await join('Bob');
  });

  after(async () => {
    await browser?.close();
    if (process.env.PODIUM_E2E_VERBOSE) console.log(server?.log());
    await server?.stop();
    try { nft('delete', 'table', 'inet', kTable); } catch { /* never created */ }
  });

  it('both decode each other over TCP while every UDP datagram to the server is dropped', async () => {
    await expect_media_from(alice.page, [bob.id], 'Alice over TCP');
    await expect_media_from(bob.page, [alice.id], 'Bob over TCP');

    // The server's transports connected over TCP, never over UDP.
    const log = server.log();
    const tcp_lines = log.match(/connected via tcp 127\.0\.0\.1:\d+/g) ?? [];
    assert.ok(tcp_lines.length >= 2, `expected both transports "connected via tcp" in the log:\n${log.slice(-3000)}`);
    assert.doesNotMatch(log, /connected via udp/);

    // Both browsers selected a TCP pair toward the server's TCP port.
    for (const who of [alice, bob]) {
      const pair = await selected_protocol(who.page);
      assert.deepEqual(pair, { local: 'tcp', remote: 'tcp', remote_port: kPort }, `${who.name}: selected pair`);
    }

    // UDP was really tried and dropped: the browsers' checks hit the rule.
    assert.ok(dropped_packets() > 0, 'the nftables rule dropped no UDP packet');
    assert_no_page_errors(assert, [alice.page, bob.page]);
  });
});
