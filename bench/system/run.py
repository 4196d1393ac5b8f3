#!/usr/bin/env python3
"""System benchmarks: Podium and Janus under the same load, in the same run.

In network namespaces of its own the script starts each server pinned to core 0
(`podium serve --workers 1`; Janus with bench/janus/*.jcfg), runs podium-loadtest pinned
to core 1 for every scenario point, and measures over a window after the joins:

  - server CPU (utime + stime from /proc/<pid>/stat) per packet the clients received,
  - packets received per second, and that divided by the server's CPU share (per core),
  - loss in the window; the largest audience with < 0.5 % loss,
  - forwarding delay p50/p99 and join-to-first-frame (from the load client),
  - server RSS growth from before the joins to the window, per consumer (received track).

The summary gives, per server and scenario, the cost and packets per core at the largest
point without loss (the median over that point's repeats, --repeat), and the ratio of the
two servers' median costs at each audience both ran.

Network (--network): `loopback` (the default) runs server and clients in one namespace,
where the kernel delivers every datagram into the receiving socket in the sender's
context, so the server's CPU also pays the clients' receive path (and the client pays the
server's). `veth` puts the load client in a second namespace joined to the server's by a
veth pair (127.0.1.1 server, 127.0.1.2 clients; route_localnet so nothing outside 127/8 is
used) and steers each side's receive processing to its own core (RPS), as it would run on
the subscribers' machines.

Sink (--sink): `client` (the default) has the clients receive and count everything.
`drop` has an nftables rule on lo's egress drop every RTP packet the servers send, from
before the first join (STUN, DTLS and RTCP pass), so neither server's core pays the
subscribers' receive path, which loopback runs in the sender's context. A NIC's driver
costs the sender a little per packet, loopback's delivery a lot: the two sinks bracket
what a server would cost in front of a real network. The packets each server sent in the
window come from its own counter (Podium's podium_rtp_packets_sent_total; the rule's
counter for Janus, which sends one datagram per packet), "undelivered" is what it did
not send of what it should have, and the CPU per packet is per packet sent.

Scenarios: webinar (1 video publisher -> M subscribers, a sweep of M), conference
(N x N video), audio (10 audio publishers -> M listeners). Writes one JSON file and prints
a table. python3 standard library only. See docs/benchmarks.md, "System benchmarks".

  bench/system/run.py --podium build/bench/podium --loadtest build/bench/podium-loadtest \
      [--janus janus] [--preset full|quick|tiny] [--json FILE]
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JANUS_CONFIG = os.path.join(ROOT, "bench", "janus")

PODIUM_HTTP_PORT = 18390
PODIUM_UDP_PORT = 41390
JANUS_HTTP_PORT = 8088

# --network: the server's address, the clients' local address, and (veth) the process
# that holds the clients' network namespace.
NETWORKS = {
    # Janus skips loopback interfaces when it gathers candidates: it offers 127.0.0.2,
    # put on a veth pair in the same namespace.
    "loopback": {"server": "127.0.0.1", "client": "127.0.0.1", "janus_client": "127.0.0.2",
                 "janus_ice": "127.0.0.2"},
    "veth": {"server": "127.0.1.1", "client": "127.0.1.2", "janus_client": "127.0.1.2",
             "janus_ice": "127.0.1.1"},
}
NETWORK = NETWORKS["loopback"]
CLIENT_NAMESPACE = None  # veth: a process in the clients' namespace (nsenter -t PID -n)

# --sink drop: the nftables table, and the ports Janus sends media from (bench/janus:
# rtp_port_range); the clients' ephemeral ports are moved above them.
SINK_TABLE = "podium_sysbench"
JANUS_RTP_PORTS = "30000-39999"
# RTP, not RTCP (version 2; RFC 5761 §4: RTCP packet types 192-223).
RTP_MATCH = "@th,64,2 2 @th,72,8 != 192-223"
SINK = "client"

SERVER_CORE = "0"
CLIENT_CORE = "1"
NICE = 0  # --nice: scheduling priority of the server and the client


def pinned(core):
    """The command prefix that pins a process to a core (and sets its priority)."""
    prefix = ["taskset", "-c", core]
    return prefix + ["nice", "-n", str(NICE)] if NICE else prefix

# Scenario sweeps. Each point: (label, loadtest flags). Every run uses one 1280x720 VP8
# stream per video publisher (no simulcast, so both servers forward the same stream) and
# Opus at 32 kbit/s.
PRESETS = {
    # What docs/benchmarks.md shows; about 18 minutes. Podium's sweeps go past the
    # largest audience it carried without loss (1 -> 1700, 40 x 40, 10 -> 500 on 27
    # November), Janus's past its own (1 -> 500, 24 x 24, 10 -> 200).
    "full": {
        "warmup": 3, "window": 6, "join_rate": 100,
        "webinar": [25, 50, 100, 200, 300, 400, 600, 800, 1000, 1200, 1400, 1600, 1800],
        "conference": [4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44],
        "audio": [25, 50, 100, 200, 300, 400, 500, 600],
        "janus_webinar": [25, 50, 100, 200, 300, 400, 500, 600],
        "janus_conference": [4, 8, 12, 16, 20, 24, 28],
        "janus_audio": [25, 50, 100, 200, 300, 400],
    },
    # A short sweep (make bench QUICK=1), about 3 minutes.
    "quick": {
        "warmup": 2, "window": 4, "join_rate": 100,
        "webinar": [50, 200], "conference": [4, 8], "audio": [50, 150],
        "janus_webinar": [50, 100], "janus_conference": [4], "janus_audio": [50],
    },
    # Podium at Janus's largest audience and at half of its own core (the server's CPU near
    # 50 %); Janus at the two largest points it carries on its core (about 6 minutes): the
    # CPU ratio at the same audience and the delays at half load (docs/benchmarks.md).
    "half": {
        "warmup": 3, "window": 6, "join_rate": 100,
        "webinar": [400, 600], "conference": [20, 28], "audio": [200, 250],
        "janus_webinar": [300, 400], "janus_conference": [16, 20], "janus_audio": [150, 200],
    },
    # Keeps the script working (ctest): one tiny point per scenario. The warmup covers
    # Janus's first keyframe to a new subscriber (about 1 s, more on a busy machine).
    "tiny": {
        "warmup": 2.0, "window": 1.5, "join_rate": 100,
        "webinar": [3], "conference": [2], "audio": [2],
        "janus_webinar": [3], "janus_conference": [2], "janus_audio": [2],
    },
}

# How the load client behaves in every run, for both servers (docs/loadtest.md):
# publishers' frame clocks at phases of their own (the tool's default), a keyframe every
# 10 s (browsers send them only when asked; a PLI still gets one at once), and a client
# that polls its sockets instead of sleeping in epoll_wait, so the server's core does not
# pay for waking it over loopback. --loadtest-flag adds to these (a later flag wins).
CLIENT_FLAGS = ["--keyframe-interval", "10", "--poll-us", "250"]

AUDIO_PUBLISHERS = 10
TINY_AUDIO_PUBLISHERS = 2


def log(message):
    print(message, file=sys.stderr, flush=True)


def wait_for_port(address, timeout, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(address, timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def enter_namespace(argv):
    """Re-runs this script in new network and mount namespaces (the mount namespace so
    that /sys shows this network namespace's devices), with lo up."""
    setup = (
        "set -e; mount -t sysfs none /sys; ip link set lo up; "
        "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true; "
        'exec "$0" "$@"'
    )
    env = dict(os.environ, PODIUM_SYSBENCH_INSIDE="1")
    command = ["unshare", "--net", "--mount", "bash", "-c", setup, sys.executable,
               os.path.abspath(__file__)] + argv
    return subprocess.call(command, env=env)


def core_mask(core):
    return format(1 << int(core), "x")


def set_up_network(name):
    """Builds the --network topology inside this script's namespace. Returns the process
    holding the clients' namespace (veth), or None."""
    sh = lambda script: subprocess.run(["sh", "-ec", script], check=True)
    if name == "loopback":
        sh("ip link add v0 type veth peer name v1; ip link set v0 up; ip link set v1 up; "
           "ip addr add 127.0.0.2/32 dev v0")
        return None
    # Only 127.0.0.1 stays local on lo, so 127.0.1.0/24 can be a link between the two
    # namespaces (route_localnet lets 127/8 addresses leave lo).
    holder = subprocess.Popen(["unshare", "--net", "--mount", "sh", "-c",
                               "mount -t sysfs none /sys && exec sleep infinity"])
    try:
        for _ in range(50):
            if os.readlink(f"/proc/{holder.pid}/ns/net") != os.readlink("/proc/self/ns/net"):
                break
            time.sleep(0.05)
        time.sleep(0.1)  # the holder's sysfs mount
        local = ("ip addr del 127.0.0.1/8 dev lo; ip addr add 127.0.0.1/32 dev lo; "
                 "sysctl -qw net.ipv4.conf.all.route_localnet=1; ")
        sh(local + f"ip link add v0 type veth peer name v1; ip link set v1 netns {holder.pid}; "
           "ip addr add 127.0.1.1/24 dev v0; ip link set v0 up; "
           "sysctl -qw net.ipv4.conf.v0.route_localnet=1")
        subprocess.run(["nsenter", "-t", str(holder.pid), "-n", "-m", "sh", "-ec",
                        "ip link set lo up; " + local + "ip addr add 127.0.1.2/24 dev v1; "
                        "ip link set v1 up; sysctl -qw net.ipv4.conf.v1.route_localnet=1; "
                        f"echo {core_mask(CLIENT_CORE)} > /sys/class/net/v1/queues/rx-0/rps_cpus"],
                       check=True)
        with open("/sys/class/net/v0/queues/rx-0/rps_cpus", "w") as f:
            f.write(core_mask(SERVER_CORE))
    except Exception:
        holder.kill()
        raise
    return holder


def set_up_sink():
    """--sink drop: the rules that drop the servers' RTP at lo's egress, counting it, and
    one on lo's ingress that counts any RTP still reaching a client (none should)."""
    podium_rtp = f"ip saddr {NETWORK['server']} udp sport {PODIUM_UDP_PORT} {RTP_MATCH}"
    script = f"""
sysctl -qw net.ipv4.ip_local_port_range="40000 60999"
nft add table netdev {SINK_TABLE}
nft 'add chain netdev {SINK_TABLE} egress {{ type filter hook egress device lo priority 0; }}'
nft 'add chain netdev {SINK_TABLE} ingress {{ type filter hook ingress device lo priority 0; }}'
nft add rule netdev {SINK_TABLE} egress {podium_rtp} counter drop comment '"podium"'
nft add rule netdev {SINK_TABLE} egress udp sport {JANUS_RTP_PORTS} {RTP_MATCH} counter drop comment '"janus"'
nft add rule netdev {SINK_TABLE} ingress udp dport != {{ {PODIUM_UDP_PORT}, {JANUS_RTP_PORTS} }} {RTP_MATCH} counter comment '"leaked"'
"""
    subprocess.run(["sh", "-ec", script], check=True)


def sink_counters(listing):
    """The sink rules' packet counters by comment, from `nft -j list table` output."""
    counters = {}
    try:
        for item in json.loads(listing).get("nftables", []):
            rule = item.get("rule")
            if not rule or "comment" not in rule:
                continue
            for expression in rule.get("expr", []):
                if "counter" in expression:
                    counters[rule["comment"]] = expression["counter"]["packets"]
    except ValueError:
        pass
    return counters


def in_client_namespace(command):
    if CLIENT_NAMESPACE is None:
        return command
    return ["nsenter", "-t", str(CLIENT_NAMESPACE.pid), "-n"] + command


class Server:
    """A server process pinned to the server core, its output in a log file."""

    def __init__(self, name, command, address, workdir, env=None):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(pinned(SERVER_CORE) + command, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=workdir, env=env)
        if not wait_for_port(address, 20, self.process):
            self.stop()
            with open(self.log_path) as f:
                tail = f.read()[-2000:]
            raise RuntimeError(f"{name} did not start listening on {address}:\n{tail}")

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_podium(args, workdir):
    data = os.path.join(workdir, "podium-data")
    ip = NETWORK["server"]
    command = [args.podium, "serve", "--workers", "1", "--http", f"{ip}:{PODIUM_HTTP_PORT}",
               "--udp", f"{ip}:{PODIUM_UDP_PORT}", "--tcp", "off", "--data-dir", data, "--log-level", "warn"] + args.podium_flag
    return Server("podium", command, (ip, PODIUM_HTTP_PORT), workdir), data


def start_janus(args, workdir):
    # bench/janus with this network's addresses: the HTTP API's and the one ICE candidate.
    config = os.path.join(workdir, "janus-config")
    os.makedirs(config, exist_ok=True)
    for name in os.listdir(JANUS_CONFIG):
        with open(os.path.join(JANUS_CONFIG, name)) as f:
            text = f.read()
        text = text.replace('ip = "127.0.0.1"', f'ip = "{NETWORK["server"]}"')
        text = text.replace('ice_enforce_list = "127.0.0.2"', f'ice_enforce_list = "{NETWORK["janus_ice"]}"')
        with open(os.path.join(config, name), "w") as f:
            f.write(text)
    command = [args.janus, "-C", os.path.join(config, "janus.jcfg"), "-F", config, "-o"]
    return Server("janus", command, (NETWORK["server"], JANUS_HTTP_PORT), workdir)


def loadtest_flags(scenario, size, preset):
    """podium-loadtest flags of one scenario point, and a description."""
    if scenario == "webinar":
        flags = ["--layout", "webinar", "--publishers", "1", "--subscribers", str(size)]
        return flags, f"1 -> {size} video"
    if scenario == "conference":
        flags = ["--layout", "conference", "--publishers", str(size), "--subscribers", "0"]
        return flags, f"{size} x {size} video"
    publishers = TINY_AUDIO_PUBLISHERS if preset == "tiny" else AUDIO_PUBLISHERS
    flags = ["--layout", "audio", "--publishers", str(publishers), "--subscribers", str(size)]
    return flags, f"{publishers} audio -> {size}"


def udp_kernel_counters():
    """This namespace's UDP counters (/proc/net/snmp): datagrams the kernel dropped for a
    full receive or send buffer, or other input errors, in either server or client."""
    try:
        with open("/proc/net/snmp") as f:
            lines = [line.split() for line in f if line.startswith("Udp:")]
        return dict(zip(lines[0][1:], (int(v) for v in lines[1][1:])))
    except (OSError, IndexError, ValueError):
        return {}


def podium_counters():
    """What Podium says it received, dropped (by reason) and sent as GSO, from /metrics."""
    wanted = ("podium_rtp_packets_received_total", "podium_rtp_packets_sent_total",
              "podium_udp_gso_sends_total", "podium_udp_gso_datagrams_total", "podium_nacks_sent_total",
              "podium_nacks_received_total", "podium_retransmissions_sent_total")
    out = {}
    try:
        url = f"http://{NETWORK['server']}:{PODIUM_HTTP_PORT}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            for line in response.read().decode().splitlines():
                name, _, value = line.partition(" ")
                if name in wanted:
                    out[name] = float(value)
                elif name.startswith("podium_packets_dropped_total{") and float(value) > 0:
                    out["dropped_" + name.split('"')[1]] = float(value)
    except (OSError, ValueError):
        pass
    return out


def point_file(target, scenario, size, repeat):
    return f"{target}-{scenario}-{size}.json" if repeat == 0 else f"{target}-{scenario}-{size}-{repeat}.json"


def run_point(args, target, server, data_dir, scenario, size, preset, workdir, janus_room, repeat=0):
    p = PRESETS[preset]
    flags, description = loadtest_flags(scenario, size, preset)
    out = os.path.join(workdir, point_file(target, scenario, size, repeat))
    pid = server.pid if server else "PID"
    prefix = in_client_namespace(pinned(CLIENT_CORE))
    command = prefix + [args.loadtest, *flags, *CLIENT_FLAGS, *args.loadtest_flag, "--layers", "1",
               "--duration", str(p["warmup"] + p["window"]), "--warmup", str(p["warmup"]),
               "--join-rate", str(p["join_rate"]), "--connect-timeout", "15",
               "--server-pid", str(pid), "--json", out]
    if SINK == "drop":
        command += ["--window-command", f"nft -j list table netdev {SINK_TABLE}"]
    if target == "podium":
        command += ["--server", f"http://{NETWORK['server']}:{PODIUM_HTTP_PORT}", "--data-dir", data_dir or "DATA",
                    "--local-address", NETWORK["client"]]
    else:
        command += ["--target", "janus", "--server", f"http://{NETWORK['server']}:{JANUS_HTTP_PORT}/janus",
                    "--local-address", NETWORK["janus_client"], "--janus-room", str(janus_room)]
    started = time.monotonic()
    joins = size + (AUDIO_PUBLISHERS if scenario == "audio" else 1)
    timeout = 60 + joins / p["join_rate"] + 2 * (p["warmup"] + p["window"])
    kernel_before = udp_kernel_counters()
    counters = {}
    if server is None:  # --reuse: the loadtest's JSON of an earlier run
        rc, table = 0, ""
    else:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
            rc, table = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired:
            rc, table = -1, "timed out"
        if target == "podium":
            counters = podium_counters()
    kernel_after = udp_kernel_counters()
    point = {"target": target, "scenario": scenario, "size": size, "repeat": repeat, "description": description,
             "loadtest_exit": rc, "wall_seconds": round(time.monotonic() - started, 1),
             "command": " ".join(["podium-loadtest"] + [os.path.basename(a) if a == out else a
                                                          for a in command[len(prefix) + 1:]])}
    if server is not None:
        # Over the whole point (joins included): where packets were lost, if they were.
        point["kernel_udp"] = {k: kernel_after[k] - kernel_before.get(k, 0) for k in
                               ("InErrors", "RcvbufErrors", "SndbufErrors", "NoPorts") if k in kernel_after}
        if counters:
            point["server_counters"] = counters
    try:
        with open(out) as f:
            report = json.load(f)
    except (OSError, ValueError):
        point["error"] = "no JSON from podium-loadtest: " + table[-600:]
        return point
    totals = report.get("totals", {})
    window = report.get("window") or {}
    srv = window.get("server") or {}
    point.update({
        "tracks_expected": totals.get("tracks_expected", 0),
        "tracks_received": totals.get("tracks_received", 0),
        "failed_participants": report.get("failed_participants", 0),
        "window_seconds": window.get("seconds"),
        "packets_received": window.get("packets_received"),
        "packets_per_second": window.get("received_packets_per_second"),
        "loss_percent": window.get("loss_percent"),
        "loss_percent_whole_run": totals.get("loss_percent"),
        "delay_ms_p50": totals.get("delay_ms", {}).get("p50"),
        "delay_ms_p99": totals.get("delay_ms", {}).get("p99"),
        # Podium only: the server's own forwarding delay (receive timestamp to send) in
        # the window, from its podium_forwarding_delay_seconds histogram.
        "server_delay_ms_p50": (window.get("server_forwarding_delay_ms") or {}).get("p50"),
        "server_delay_ms_p99": (window.get("server_forwarding_delay_ms") or {}).get("p99"),
        # Podium only: datagrams it dropped in the window, by reason (server_counters
        # holds the whole run's, which include the clients' last packets as they leave).
        "server_drops_in_window": window.get("server_drops"),
        "first_frame_ms_p50": totals.get("join_to_first_frame_ms", {}).get("p50"),
        "first_frame_ms_p90": totals.get("join_to_first_frame_ms", {}).get("p90"),
        # Where joining takes its time (a join storm shows here first): to the server's
        # welcome (signaling), and to the transport connected (offer/answer, ICE, DTLS).
        "welcome_ms_p90": (totals.get("join_to_welcome_ms") or {}).get("p90"),
        "connected_ms_p90": (totals.get("join_to_connected_ms") or {}).get("p90"),
        "server_cpu_share": srv.get("cpu_share"),
        "client_cpu_share": window.get("client_cpu_share"),
        "cpu_us_per_packet": srv.get("cpu_us_per_received_packet"),
    })
    # What the clients should have received in the window: each packet a publisher sent,
    # once per participant receiving that publisher. Podium renumbers what it forwards, so
    # a packet the server never sent leaves no gap the clients' RTP loss could count.
    publishers = int(flags[flags.index("--publishers") + 1])
    if scenario == "webinar":
        fanout = size
    elif scenario == "conference":
        fanout = size - 1
    else:
        fanout = size + publishers - 1
    sent = window.get("packets_sent") or 0
    if sent and fanout > 0 and window.get("packets_received") is not None:
        expected = sent * fanout
        point["undelivered_percent"] = round(max(0.0, 100.0 * (1 - window["packets_received"] / expected)), 2)
    if SINK == "drop":
        drop_point(point, target, window, srv, sent * fanout)
    if srv.get("cpu_share") and point.get("packets_per_second"):
        point["packets_per_second_per_core"] = round(point["packets_per_second"] / srv["cpu_share"])
    consumers = totals.get("tracks_received", 0)
    if consumers and srv:
        growth = srv["rss_bytes_window_start"] - srv["rss_bytes_before_joins"]
        point["rss_growth_bytes"] = growth
        point["rss_kib_per_consumer"] = round(growth / consumers / 1024, 1)
    if server and not server.alive():
        point["error"] = f"{target} exited during the run"
    return point


def drop_point(point, target, window, srv, expected):
    """--sink drop: the window's figures from what the server sent, not what arrived."""
    output = window.get("command_output") or {}
    start, end = sink_counters(output.get("start", "")), sink_counters(output.get("end", ""))
    if target == "podium":
        sent = window.get("server_rtp_packets_sent")
    else:
        sent = end.get("janus", 0) - start.get("janus", 0) if "janus" in end else None
    point["sink"] = "drop"
    point["leaked_to_clients"] = end.get("leaked", 0) - start.get("leaked", 0) if "leaked" in end else None
    point["server_packets_sent"] = sent
    seconds = window.get("seconds")
    if not sent or not seconds:
        point["error"] = point.get("error") or "--sink drop: no count of the packets the server sent"
        return
    point["packets_per_second"] = round(sent / seconds)
    point["cpu_us_per_packet"] = srv["cpu_seconds"] * 1e6 / sent if srv.get("cpu_seconds") is not None else None
    if expected:
        point["undelivered_percent"] = round(max(0.0, 100.0 * (1 - sent / expected)), 2)


def summarize(points):
    """Per target and scenario: the headline figures (see docs/benchmarks.md)."""
    summary = {}
    for target in sorted({p["target"] for p in points}):
        summary[target] = {}
        for scenario in ("webinar", "conference", "audio"):
            rows = [p for p in points if p["target"] == target and p["scenario"] == scenario
                    and p.get("packets_per_second")]
            if not rows:
                continue
            # No loss: every track arrived, RTP loss and undelivered packets under 0.5 %.
            good = [p for p in rows if p.get("loss_percent") is not None and p["loss_percent"] < 0.5
                    and p.get("undelivered_percent", 100) < 0.5
                    and (p["tracks_received"] == p["tracks_expected"] or p.get("sink") == "drop")]
            busiest = max(rows, key=lambda p: p["packets_per_second"])
            loaded = [p for p in rows if p.get("cpu_us_per_packet")]
            # CPU per packet at the busiest point without loss (or the busiest at all).
            reference = max(good, key=lambda p: p["packets_per_second"]) if good else busiest
            # Its cost and packets per core are the median over every repeat of that point,
            # so that one noisy repeat does not decide the headline.
            repeats = [p for p in (good or rows) if p["size"] == reference["size"]]

            def median_of(key):
                values = [p[key] for p in repeats if p.get(key) is not None]
                return statistics.median(values) if values else None

            summary[target][scenario] = {
                "largest_size_under_0_5_percent_loss": max((p["size"] for p in good), default=None),
                "largest_size_tried": max(p["size"] for p in rows),
                "max_packets_per_second": busiest["packets_per_second"],
                "server_cpu_share_at_max": busiest.get("server_cpu_share"),
                "packets_per_second_per_core": median_of("packets_per_second_per_core"),
                "cpu_us_per_packet": median_of("cpu_us_per_packet"),
                "repeats_at_size": len(repeats),
                "cpu_us_per_packet_min": min((p["cpu_us_per_packet"] for p in loaded), default=None),
                "delay_ms_p50": reference.get("delay_ms_p50"),
                "delay_ms_p99": reference.get("delay_ms_p99"),
                "server_delay_ms_p50": reference.get("server_delay_ms_p50"),
                "server_delay_ms_p99": reference.get("server_delay_ms_p99"),
                "first_frame_ms_p50": reference.get("first_frame_ms_p50"),
                "rss_kib_per_consumer": busiest.get("rss_kib_per_consumer"),
                "at_size": reference["size"],
            }
    if "podium" in summary and "janus" in summary:
        ratios = {}
        for scenario, pod in summary["podium"].items():
            jan = summary["janus"].get(scenario)
            if not jan:
                continue
            r = {}
            if pod.get("packets_per_second_per_core") and jan.get("packets_per_second_per_core"):
                r["packets_per_core"] = round(pod["packets_per_second_per_core"] / jan["packets_per_second_per_core"], 2)
            if pod.get("cpu_us_per_packet") and jan.get("cpu_us_per_packet"):
                r["cpu_per_packet_janus_over_podium"] = round(jan["cpu_us_per_packet"] / pod["cpu_us_per_packet"], 2)
            # The fairest figure: both servers at the same audience, in the same run.
            def costs(target, size):
                return [p["cpu_us_per_packet"] for p in points if p["target"] == target
                        and p["scenario"] == scenario and p["size"] == size and p.get("cpu_us_per_packet")]
            same = {}
            for size in sorted({p["size"] for p in points if p["scenario"] == scenario}):
                jc, pc = costs("janus", size), costs("podium", size)
                if jc and pc:
                    same[str(size)] = round(statistics.median(jc) / statistics.median(pc), 2)
            if same:
                r["cpu_per_packet_janus_over_podium_same_size"] = same
            ratios[scenario] = r
        summary["ratios_podium_to_janus"] = ratios
    return summary


def fmt(value, spec="{:.2f}", missing="-"):
    return missing if value is None else spec.format(value)


def print_table(points, out=sys.stdout):
    header = ("target", "scenario", "tracks", "pkt/s", "srv CPU", "client CPU", "us/pkt", "pkt/s/core",
              "loss %", "undeliv. %", "delay p50/p99 ms", "srv delay p50/p99 ms", "1st frame p50/p90 ms",
              "KiB/consumer")
    rows = [header]
    for p in points:
        rows.append((p["target"], p["description"],
                     f'{p.get("tracks_received", 0)}/{p.get("tracks_expected", 0)}',
                     fmt(p.get("packets_per_second"), "{:.0f}"),
                     fmt(p.get("server_cpu_share"), "{:.0%}"),
                     fmt(p.get("client_cpu_share"), "{:.0%}"),
                     fmt(p.get("cpu_us_per_packet")),
                     fmt(p.get("packets_per_second_per_core"), "{:.0f}"),
                     fmt(p.get("loss_percent"), "{:.3f}"),
                     fmt(p.get("undelivered_percent"), "{:.1f}"),
                     f'{fmt(p.get("delay_ms_p50"), "{:.1f}")}/{fmt(p.get("delay_ms_p99"), "{:.1f}")}',
                     f'{fmt(p.get("server_delay_ms_p50"), "{:.3f}")}/{fmt(p.get("server_delay_ms_p99"), "{:.3f}")}',
                     f'{fmt(p.get("first_frame_ms_p50"), "{:.0f}")}/{fmt(p.get("first_frame_ms_p90"), "{:.0f}")}',
                     fmt(p.get("rss_kib_per_consumer"), "{:.1f}")))
        if p.get("error"):
            rows.append(("", "  error: " + p["error"].splitlines()[0][:100]) + ("",) * (len(header) - 2))
    widths = [max(len(str(r[i])) for r in rows if len(r) > i) for i in range(len(header))]
    widths[1] = min(widths[1], 22)
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip(), file=out)


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "load_average_at_start": os.getloadavg()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--podium", required=True, help="the podium binary")
    parser.add_argument("--loadtest", required=True, help="the podium-loadtest binary")
    parser.add_argument("--janus", default=shutil.which("janus") or "",
                        help="the janus binary (default: from PATH; empty: Podium only)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="full")
    parser.add_argument("--targets", default="podium,janus", help="comma-separated: podium, janus")
    parser.add_argument("--scenarios", default="webinar,conference,audio")
    parser.add_argument("--sizes", help="comma-separated sizes instead of the preset's, for every scenario")
    parser.add_argument("--json", default=os.path.join(ROOT, "build", "bench-results.json"))
    parser.add_argument("--reuse", metavar="DIR",
                        help="summarize the loadtest JSON files kept in DIR instead of running")
    parser.add_argument("--keep", metavar="DIR", help="keep every loadtest JSON file in DIR")
    parser.add_argument("--resume", action="store_true",
                        help="with --keep: points whose JSON is in DIR already are read, not run again")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run every point N times (ratios at the same size use the medians)")
    parser.add_argument("--loadtest-flag", action="append", default=[], metavar="FLAG",
                        help="one more argument for podium-loadtest, after the defaults (repeat: "
                             "--loadtest-flag=--phases --loadtest-flag=aligned)")
    parser.add_argument("--podium-flag", action="append", default=[], metavar="FLAG",
                        help="one more argument for `podium serve` (repeat: --podium-flag=--udp-gso "
                             "--podium-flag=off)")
    parser.add_argument("--network", choices=sorted(NETWORKS), default="loopback",
                        help="veth: the clients in a namespace of their own, their receive path "
                             "on their core; loopback: one namespace (see above)")
    parser.add_argument("--sink", choices=("client", "drop"), default="client",
                        help="drop: the servers' RTP is dropped at lo's egress (see above)")
    parser.add_argument("--nice", type=int, default=0,
                        help="run server and client at this nice level, and their session's "
                             "autogroup (e.g. -15 on a shared machine)")
    args = parser.parse_args()
    global NICE, NETWORK, CLIENT_NAMESPACE, SINK
    NICE = args.nice
    SINK = args.sink
    if SINK == "drop" and args.network != "loopback":
        parser.error("--sink drop needs --network loopback")
    NETWORK = NETWORKS[args.network]
    # SIGTERM stops the running server too (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    for name in ("podium", "loadtest"):
        path = getattr(args, name)
        if not os.access(path, os.X_OK):
            parser.error(f"--{name} {path}: not an executable")
    args.podium, args.loadtest = os.path.abspath(args.podium), os.path.abspath(args.loadtest)
    targets = [t for t in args.targets.split(",") if t]
    if "janus" in targets and not args.janus:
        log("sysbench: janus not found, measuring Podium only")
        targets.remove("janus")
    if (os.cpu_count() or 1) < 2:
        parser.error("needs two cores: the server on core 0, the load client on core 1")

    if os.environ.get("PODIUM_SYSBENCH_INSIDE") != "1" and not args.reuse:
        return enter_namespace(sys.argv[1:])

    if NICE and not args.reuse:
        # With autogroup scheduling (the default on desktops and many VMs) nice counts only
        # inside a session: give the benchmark a session of its own and that session's
        # group the priority, or other sessions' jobs get as much CPU as server and client.
        try:
            os.setsid()
        except OSError:
            pass
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write(str(NICE))
        except OSError as e:
            log(f"sysbench: cannot set the autogroup's nice level: {e}")
    if not args.reuse:
        CLIENT_NAMESPACE = set_up_network(args.network)
        if SINK == "drop":
            set_up_sink()
    try:
        return measure(args, targets)
    finally:
        if CLIENT_NAMESPACE is not None:
            CLIENT_NAMESPACE.kill()
            CLIENT_NAMESPACE.wait()


def measure(args, targets):
    scenarios = [s for s in args.scenarios.split(",") if s]
    preset = PRESETS[args.preset]
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "preset": args.preset, "machine": machine(),
              "settings": {"warmup_seconds": preset["warmup"], "window_seconds": preset["window"],
                           "join_rate": preset["join_rate"], "server_core": SERVER_CORE,
                           "client_core": CLIENT_CORE, "nice": NICE, "network": args.network,
                           "sink": SINK, "podium_flags": args.podium_flag, "loadtest_flags": CLIENT_FLAGS + args.loadtest_flag, "video": "VP8 1280x720 30 fps 1500 kbit/s, no simulcast",
                           "audio": "Opus 32 kbit/s, 20 ms"},
              "points": []}
    janus_room = 4200
    with tempfile.TemporaryDirectory(prefix="podium-sysbench-") as workdir:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            workdir = os.path.abspath(args.keep)
        # Interleaved: each scenario and size for every target before the next size, so
        # the two servers' points of one audience run minutes apart at most, under the same
        # state of a shared machine; --repeat runs that round several times.
        jobs = []
        for scenario in scenarios:
            for target in targets:
                sizes = preset[scenario] if target == "podium" else preset["janus_" + scenario]
                if args.sizes:
                    sizes = [int(v) for v in args.sizes.split(",")]
                jobs += [(scenario, size, repeat, targets.index(target), target)
                         for size in sizes for repeat in range(args.repeat)]
        for scenario, size, repeat, _, target in sorted(jobs, key=lambda j: (scenarios.index(j[0]),) + j[1:4]):
            kept = args.reuse or (args.keep if args.resume else None)
            if kept and os.path.exists(os.path.join(kept, point_file(target, scenario, size, repeat))):
                result["points"].append(run_point(args, target, None, None, scenario, size,
                                                  args.preset, kept, janus_room, repeat))
                continue
            if args.reuse:
                continue
            # A fresh server per point: memory and CPU start from the same state.
            try:
                if target == "podium":
                    server, data = start_podium(args, workdir)
                else:
                    server, data = start_janus(args, workdir), None
            except RuntimeError as e:
                result["points"].append({"target": target, "scenario": scenario, "size": size,
                                         "description": scenario, "error": str(e)})
                continue
            try:
                point = run_point(args, target, server, data, scenario, size, args.preset, workdir,
                                  janus_room, repeat)
            finally:
                server.stop()
            janus_room += 1000
            result["points"].append(point)
            log("sysbench: {target} {description}: {tracks_received}/{tracks_expected} tracks, "
                "{pps} pkt/s, {cpu} us/pkt, loss {loss}%".format(
                    pps=point.get("packets_per_second"), cpu=fmt(point.get("cpu_us_per_packet")),
                    loss=point.get("loss_percent"), **{k: point.get(k, 0) for k in
                                                       ("target", "description", "tracks_received",
                                                        "tracks_expected")}))
    result["summary"] = summarize(result["points"])
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print_table(result["points"])
    print(json.dumps(result["summary"], indent=2))
    print(f"sysbench: wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
