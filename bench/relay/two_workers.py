#!/usr/bin/env python3
"""One conference on one worker vs two workers with in-process relays (sfu/relay.h).

Webinar 1 -> M (one 1280x720 VP8 + Opus publisher, M subscribers of both tracks, one
conference) against `podium serve` in three set-ups, in a network namespace of its own:

  w1:       --workers 1, server on core 0, load client on core 1 (as the system benchmarks)
  w2-core0: --workers 2, both workers on core 0, client on core 1: the relay's own cost
            per forwarded packet, with the same CPU as w1
  w2:       --workers 2, server on cores 0-1, client on cores 0-1 (contended: the machine
            has two cores, so the client takes CPU from the second worker)

with --worker-sessions-before-spread 0 (the audience alternates between the workers).

--sink drop measures throughput instead, so that two server cores can be loaded on a
two-core machine: an nftables rule on lo's egress drops every RTP packet the server
sends, from before the clients join (STUN, DTLS and RTCP still pass, so the sessions stay
up; subscribers that never see a packet never ask for a keyframe), and the load client, left with almost nothing to receive, sleeps in epoll_wait on
whatever cores the set-up gives it. What the server does per packet is unchanged up to
the kernel's device layer; the subscribers' receive path, which loopback charges to the
sender's core, is gone, on one worker and on two alike. Measured over the window from
the server's own counters: RTP packets sent per second (podium_rtp_packets_sent_total),
its CPU per packet sent, whether it kept up with its input (no datagrams dropped at its
socket and no queue building there, /proc/net/udp) and forwarded each packet it read to
the whole audience with the median copy sent within 10 ms. The capacity of a set-up is
the largest M at which it kept up.
For each M: server CPU per packet the clients received (over a window after the joins),
the server's CPU share, each worker thread's share of the server's CPU in (about) that
window, the server's own forwarding delay (podium_forwarding_delay_seconds), loss, and
podium_relay_packets_total over the run; then the largest M with < 0.5 % loss. python3 standard library only; writes JSON, prints a table.

  bench/relay/two_workers.py --podium build/release/podium \
      --loadtest build/release/podium-loadtest [--sizes 100,200,400] [--json FILE]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HTTP = ("127.0.0.1", 18490)
UDP = "127.0.0.1:41490"

SETUPS = {
    "w1": {"workers": 1, "server_cores": "0", "client_cores": "1"},
    "w2-core0": {"workers": 2, "server_cores": "0", "client_cores": "1"},
    "w2": {"workers": 2, "server_cores": "0,1", "client_cores": "0,1"},
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def metrics_text():
    with urllib.request.urlopen("http://%s:%d/metrics" % HTTP, timeout=5) as response:
        return response.read().decode()


def metric_values(text, names):
    """The unlabelled samples of `names` in a /metrics text."""
    values = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in names:
            values[name] = float(value)
    return values


def metric(name):
    return metric_values(metrics_text(), {name}).get(name)


def wait_for_port(timeout, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(HTTP, timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def worker_cpu_ticks(pid):
    """CPU ticks (utime + stime) of each media worker thread (podium-wN) of `pid`."""
    ticks = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    name = f.read().strip()
                if not name.startswith("podium-w"):
                    continue
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks[name] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
    except OSError:
        pass
    return ticks


def start_server(args, cfg, data, server_log):
    return subprocess.Popen(
        ["taskset", "-c", cfg["server_cores"], args.podium, "serve", "--workers", str(cfg["workers"]),
         "--worker-sessions-before-spread", "0", "--http", "%s:%d" % HTTP, "--udp", UDP,
         "--tcp", "off", "--data-dir", data, "--log-level", "warn"],
        stdout=server_log, stderr=subprocess.STDOUT)


def stop(process, seconds):
    """Terminates a process, killing it if it has not exited after `seconds`."""
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def worker_split(before, after):
    """Each worker thread's share of the workers' CPU between two worker_cpu_ticks."""
    used = {name: after[name] - before.get(name, 0) for name in after}
    total = sum(used.values())
    return {name: round(value / total, 3) for name, value in sorted(used.items())} if total > 0 else None


def run_point(args, setup, size, workdir):
    if args.sink == "drop":
        return run_point_drop(args, setup, size, workdir)
    cfg = SETUPS[setup]
    data = os.path.join(workdir, f"data-{setup}-{size}")
    server_log = open(os.path.join(workdir, f"server-{setup}-{size}.log"), "w")
    server = start_server(args, cfg, data, server_log)
    point = {"setup": setup, "size": size, **cfg}
    try:
        if not wait_for_port(15, server):
            point["error"] = "server did not start"
            return point
        out = os.path.join(workdir, f"{setup}-{size}.json")
        command = ["taskset", "-c", cfg["client_cores"], args.loadtest, "--layout", "webinar",
                   "--publishers", "1", "--subscribers", str(size), "--layers", "1",
                   "--duration", str(args.warmup + args.window), "--warmup", str(args.warmup),
                   "--join-rate", "100", "--connect-timeout", "15", "--server-pid", str(server.pid),
                   "--server", "http://%s:%d" % HTTP, "--data-dir", data, "--json", out]
        point["command"] = " ".join(command)
        started = time.monotonic()
        client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The loadtest's window opens `warmup` seconds after the last join started (joins
        # at 100 per second); each worker's CPU is sampled inside it.
        window_start = started + size / 100 + args.warmup + 0.5
        time.sleep(max(0.0, window_start - time.monotonic()))
        before = worker_cpu_ticks(server.pid)
        time.sleep(max(0.5, args.window - 1.0))
        after = worker_cpu_ticks(server.pid)
        client.wait(timeout=120 + size / 50)
        relayed, sent = metric("podium_relay_packets_total"), metric("podium_rtp_packets_sent_total")
        with open(out) as f:
            report = json.load(f)
        window = report.get("window") or {}
        srv = window.get("server") or {}
        totals = report.get("totals", {})
        point.update({
            "tracks": "%d/%d" % (totals.get("tracks_received", 0), totals.get("tracks_expected", 0)),
            "packets_per_second": window.get("received_packets_per_second"),
            "loss_percent": window.get("loss_percent"),
            "server_cpu_share": srv.get("cpu_share"),
            "client_cpu_share": window.get("client_cpu_share"),
            "cpu_us_per_packet": srv.get("cpu_us_per_received_packet"),
            "relay_packets_total": relayed,
            "rtp_packets_sent_total": sent,
            "delay_ms_p99": totals.get("delay_ms", {}).get("p99"),
            "server_delay_ms_p50": (window.get("server_forwarding_delay_ms") or {}).get("p50"),
            "server_delay_ms_p99": (window.get("server_forwarding_delay_ms") or {}).get("p99"),
        })
        point["worker_cpu_split"] = worker_split(before, after)
    except (OSError, ValueError, subprocess.TimeoutExpired) as error:
        point["error"] = str(error)
    finally:
        stop(server, 10)
        server_log.close()
    return point


# --sink drop: the table holding the rule, and what each sample reads.
NFT_TABLE = "podium_two_workers"
UDP_PORT = int(UDP.rsplit(":", 1)[1])


def server_rtp(workers):
    """RTP (version 2, and not an RTCP packet type, RFC 5761 §4) from the server's ports:
    worker i listens on --udp's port + i."""
    return f"udp sport {UDP_PORT}-{UDP_PORT + workers - 1} @th,64,2 2 @th,72,8 != 192-223 counter".split()


def nft(*words):
    subprocess.run(["nft", *words], check=True)


def chain_packets(chain):
    """Packets counted by the rules of one of the table's chains (a GSO message counts once)."""
    listing = subprocess.run(["nft", "-j", "list", "chain", "netdev", NFT_TABLE, chain],
                             check=True, capture_output=True, text=True).stdout
    packets = 0
    for item in json.loads(listing).get("nftables", []):
        for expression in item.get("rule", {}).get("expr", []):
            if "counter" in expression:
                packets += expression["counter"]["packets"]
    return packets


def delay_buckets(text):
    """podium_forwarding_delay_seconds as [(upper bound s, cumulative count)]."""
    buckets = []
    prefix = 'podium_forwarding_delay_seconds_bucket{le="'
    for line in text.splitlines():
        if line.startswith(prefix):
            bound, _, count = line[len(prefix):].partition('"} ')
            buckets.append((float("inf") if bound == "+Inf" else float(bound), float(count)))
    return buckets


def delay_quantile(before, after, q):
    """The q-quantile (ms) of the copies sent between two readings of the histogram:
    linear within the bucket, as Prometheus's histogram_quantile."""
    counts = [(bound, a - b) for (bound, a), (_, b) in zip(after, before)]
    total = counts[-1][1] if counts else 0
    if total <= 0:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for bound, cumulative in counts:
        if cumulative >= rank:
            if bound == float("inf"):
                return lower * 1000
            inside = cumulative - below
            share = (rank - below) / inside if inside else 1.0
            return (lower + (bound - lower) * share) * 1000
        lower, below = bound, cumulative
    return None


def server_socket_queue(workers):
    """Over the server's UDP sockets (its workers' ports): bytes waiting in the receive queues, and
    datagrams dropped because a queue was full, from /proc/net/udp{,6}."""
    queued = drops = 0
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if not UDP_PORT <= int(fields[1].rsplit(":", 1)[1], 16) < UDP_PORT + workers:
                continue
            queued += int(fields[4].split(":")[1], 16)
            drops += int(fields[-1])
    return queued, drops


def process_cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def run_point_drop(args, setup, size, workdir):
    cfg = SETUPS[setup]
    data = os.path.join(workdir, f"data-{setup}-{size}")
    server_log = open(os.path.join(workdir, f"server-{setup}-{size}.log"), "w")
    server = start_server(args, cfg, data, server_log)
    point = {"setup": setup, "size": size, "sink": "drop", "publishers": args.publishers, **cfg}
    client = None
    try:
        if not wait_for_port(15, server):
            point["error"] = "server did not start"
            return point
        # From the start: the joins would otherwise bury the client in media. Its subscribers
        # never see a packet, so they never ask for a keyframe either.
        nft("add", "rule", "netdev", NFT_TABLE, "egress", *server_rtp(cfg["workers"]), "drop")
        # And a count of RTP that still reached a client (none should), told by where it
        # goes rather than where it comes from: anything not to the server's ports.
        nft("add", "rule", "netdev", NFT_TABLE, "ingress",
            *f"udp dport != {UDP_PORT}-{UDP_PORT + cfg['workers'] - 1} @th,64,2 2 @th,72,8 != 192-223 counter".split())
        # The client runs until it is stopped below; it sleeps in epoll_wait (no --poll-us).
        command = ["taskset", "-c", cfg["client_cores"], args.loadtest, "--layout", "webinar",
                   "--publishers", str(args.publishers), "--subscribers", str(size), "--layers", "1",
                   "--keyframe-interval", "10", "--duration", "600", "--join-rate", str(args.join_rate),
                   "--connect-timeout", "30", "--server", "http://%s:%d" % HTTP, "--data-dir", data]
        point["command"] = " ".join(command)
        client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        participants = size + args.publishers
        deadline = time.monotonic() + size / args.join_rate + 60
        connected = 0
        while time.monotonic() < deadline:
            connected = metric("podium_transports_connected") or 0
            if connected >= participants or client.poll() is not None:
                break
            time.sleep(0.5)
        point["connected"] = "%d/%d" % (connected, participants)
        if connected < participants:
            point["error"] = "not everyone connected"
            return point
        time.sleep(args.warmup)

        def sample():
            text = metrics_text()
            return {"time": time.monotonic(), "ticks": process_cpu_ticks(server.pid),
                    "workers": worker_cpu_ticks(server.pid), "socket": server_socket_queue(cfg["workers"]),
                    "metrics": metric_values(text, {"podium_rtp_packets_sent_total",
                                                    "podium_rtp_packets_received_total",
                                                    "podium_relay_packets_total"}),
                    "delay": delay_buckets(text)}

        before = sample()
        time.sleep(args.window)
        after = sample()
        seconds = after["time"] - before["time"]
        delta = {k: after["metrics"].get(k, 0) - before["metrics"].get(k, 0) for k in after["metrics"]}
        sent = delta["podium_rtp_packets_sent_total"]
        received = delta["podium_rtp_packets_received_total"]
        cpu_seconds = (after["ticks"] - before["ticks"]) / os.sysconf("SC_CLK_TCK")
        queued_before, drops_before = before["socket"]
        queued_after, drops_after = after["socket"]
        point.update({
            "sent_packets_per_second": sent / seconds,
            "received_packets_per_second": received / seconds,
            # Each packet read goes to every subscriber (retransmissions and probes aside).
            "fanout": sent / (received * size) if received else None,
            "server_cpu_share": cpu_seconds / seconds,
            "cpu_us_per_sent_packet": cpu_seconds * 1e6 / sent if sent else None,
            "input_dropped": drops_after - drops_before,
            "input_queue_bytes": [queued_before, queued_after],
            "relayed_per_second": delta.get("podium_relay_packets_total", 0) / seconds,
            "server_delay_ms_p50": delay_quantile(before["delay"], after["delay"], 0.5),
            "server_delay_ms_p99": delay_quantile(before["delay"], after["delay"], 0.99),
        })
        # Kept up: nothing dropped at its socket, no backlog there at the end (a few packets
        # are normal), every packet to the whole audience, and the median copy sent within
        # 10 ms of its packet's arrival (a server that falls behind queues, and the median
        # grows to hundreds of ms; one that keeps up needs a few ms per frame's fan-out).
        p50 = point["server_delay_ms_p50"]
        point["kept_up"] = (point["input_dropped"] == 0 and queued_after < 256 * 1024
                            and point["fanout"] is not None and point["fanout"] >= 0.995
                            and p50 is not None and p50 < 10)
        point["worker_cpu_split"] = worker_split(before["workers"], after["workers"])
        point["sink_dropped"] = chain_packets("egress")
        point["sink_leaked"] = chain_packets("ingress")
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        point["error"] = str(error)
    finally:
        for chain in ("egress", "ingress"):
            subprocess.run(["nft", "flush", "chain", "netdev", NFT_TABLE, chain], check=False)
        if client is not None:
            stop(client, 20)
        stop(server, 10)
        server_log.close()
    return point


def print_drop_table(points):
    print("%-9s %5s %11s %9s %7s %7s %8s %8s %9s %13s %14s" % (
        "setup", "M", "sent pkt/s", "fanout", "srvCPU", "us/pkt", "dropped", "queue KB", "relayed/s",
        "worker split", "srv delay ms"))
    for p in points:
        def f(key, spec):
            return spec % p[key] if p.get(key) is not None else "-"
        if p.get("error"):
            print("%-9s %5d  %s" % (p["setup"], p["size"], p["error"]))
            continue
        split = "/".join("%.2f" % v for v in (p.get("worker_cpu_split") or {}).values()) or "-"
        delay = "%s/%s" % (f("server_delay_ms_p50", "%.1f"), f("server_delay_ms_p99", "%.1f"))
        print("%-9s %5d %11s %9s %7s %7s %8s %8.0f %9s %13s %14s" % (
            p["setup"], p["size"], f("sent_packets_per_second", "%.0f"), f("fanout", "%.4f"),
            f("server_cpu_share", "%.2f"), f("cpu_us_per_sent_packet", "%.2f"), f("input_dropped", "%d"),
            p["input_queue_bytes"][1] / 1024, f("relayed_per_second", "%.0f"), split, delay))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--podium", required=True)
    parser.add_argument("--loadtest", required=True)
    parser.add_argument("--sizes", default="100,200,300,400,500")
    parser.add_argument("--setups", default="w1,w2-core0,w2")
    parser.add_argument("--setup-sizes", action="append", default=[], metavar="SETUP=SIZES",
                        help="sizes for one set-up instead of --sizes, e.g. w2=1200,1500")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--window", type=float, default=5)
    parser.add_argument("--w2-client-cores", help="cores of the load client in the w2 set-up (default 0,1); "
                        "on a machine with 3+ cores give a spare one to see the scaling")
    parser.add_argument("--sink", choices=("client", "drop"), default="client",
                        help="client: the load client receives and counts every packet; drop: the "
                             "server's RTP is dropped at lo's egress once everyone is connected, and "
                             "throughput is read from the server (see above)")
    parser.add_argument("--publishers", type=int, default=1, help="video publishers (--sink drop)")
    parser.add_argument("--join-rate", type=int, default=100, help="joins per second (--sink drop)")
    parser.add_argument("--json")
    parser.add_argument("--keep", metavar="DIR", help="keep the server logs and loadtest JSON in DIR")
    parser.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.w2_client_cores:
        SETUPS["w2"]["client_cores"] = args.w2_client_cores
    if not args.in_namespace:
        # Only loopback: a namespace of our own (needs root, like the other benchmarks).
        argv = ["unshare", "--net", "bash", "-c", 'ip link set lo up && exec "$@"', "bash",
                sys.executable, *sys.argv, "--in-namespace"]
        return subprocess.call(argv)
    if args.sink == "drop":
        nft("add", "table", "netdev", NFT_TABLE)
        nft("add", "chain", "netdev", NFT_TABLE, "egress",
            "{ type filter hook egress device lo priority 0; }")
        nft("add", "chain", "netdev", NFT_TABLE, "ingress",
            "{ type filter hook ingress device lo priority 0; }")
    points = []
    with tempfile.TemporaryDirectory() as workdir:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            workdir = os.path.abspath(args.keep)
        sizes = {setup: args.sizes for setup in args.setups.split(",")}
        for override in args.setup_sizes:
            setup, _, listed = override.partition("=")
            if setup not in sizes:
                parser.error(f"--setup-sizes: {setup} is not in --setups")
            sizes[setup] = listed
        for setup in args.setups.split(","):
            for size in [int(s) for s in sizes[setup].split(",")]:
                point = run_point(args, setup, size, workdir)
                log(json.dumps(point))
                points.append(point)
    if args.sink == "drop":
        print_drop_table(points)
        best = {}
        for p in points:
            if p.get("kept_up"):
                if p["sent_packets_per_second"] > best.get(p["setup"], {}).get("sent_packets_per_second", 0):
                    best[p["setup"]] = {"size": p["size"], "sent_packets_per_second": p["sent_packets_per_second"]}
        print("largest throughput it kept up with: " + ", ".join(
            "%s: M = %d, %.0f packets/s" % (k, v["size"], v["sent_packets_per_second"]) for k, v in best.items()))
        if "w1" in best and "w2" in best:
            print("w2 / w1: %.2f" % (best["w2"]["sent_packets_per_second"] / best["w1"]["sent_packets_per_second"]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"points": points, "kept_up": best}, f, indent=1)
        return 0
    best = {}
    for p in points:
        received, _, expected = p.get("tracks", "0/1").partition("/")
        if p.get("loss_percent") is not None and p["loss_percent"] < 0.5 and received == expected:
            best[p["setup"]] = max(best.get(p["setup"], 0), p["size"])
    print("%-9s %5s %9s %9s %7s %7s %7s %9s %10s %15s %14s" % (
        "setup", "M", "tracks", "pkt/s", "loss%", "srvCPU", "cliCPU", "us/pkt", "relayed", "worker split",
        "srv delay ms"))
    for p in points:
        def f(key, spec):
            return spec % p[key] if p.get(key) is not None else "-"
        split = "/".join("%.2f" % v for v in (p.get("worker_cpu_split") or {}).values()) or "-"
        delay = "%s/%s" % (f("server_delay_ms_p50", "%.1f"), f("server_delay_ms_p99", "%.1f"))
        print("%-9s %5d %9s %9s %7s %7s %7s %9s %10s %15s %14s" % (
            p["setup"], p["size"], p.get("tracks", "-"), f("packets_per_second", "%.0f"),
            f("loss_percent", "%.2f"), f("server_cpu_share", "%.2f"), f("client_cpu_share", "%.2f"),
            f("cpu_us_per_packet", "%.2f"), f("relay_packets_total", "%.0f"), split, delay))
    print("largest M with < 0.5 % loss: " + ", ".join(f"{k}: {v}" for k, v in best.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"points": points, "largest_m_below_half_percent_loss": best}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
