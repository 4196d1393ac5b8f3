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


def metric(name):
    with urllib.request.urlopen("http://%s:%d/metrics" % HTTP, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


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


def run_point(args, setup, size, workdir):
    cfg = SETUPS[setup]
    data = os.path.join(workdir, f"data-{setup}-{size}")
    server_log = open(os.path.join(workdir, f"server-{setup}-{size}.log"), "w")
    server = subprocess.Popen(
        ["taskset", "-c", cfg["server_cores"], args.podium, "serve", "--workers", str(cfg["workers"]),
         "--worker-sessions-before-spread", "0", "--http", "%s:%d" % HTTP, "--udp", UDP,
         "--tcp", "off", "--data-dir", data, "--log-level", "warn"],
        stdout=server_log, stderr=subprocess.STDOUT)
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
        used = {name: after[name] - before.get(name, 0) for name in after}
        total = sum(used.values())
        if total > 0:
            point["worker_cpu_split"] = {name: round(value / total, 3) for name, value in sorted(used.items())}
    except (OSError, ValueError, subprocess.TimeoutExpired) as error:
        point["error"] = str(error)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
    return point


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--podium", required=True)
    parser.add_argument("--loadtest", required=True)
    parser.add_argument("--sizes", default="100,200,300,400,500")
    parser.add_argument("--setups", default="w1,w2-core0,w2")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--window", type=float, default=5)
    parser.add_argument("--w2-client-cores", help="cores of the load client in the w2 set-up (default 0,1); "
                        "on a machine with 3+ cores give a spare one to see the scaling")
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
    points = []
    with tempfile.TemporaryDirectory() as workdir:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            workdir = os.path.abspath(args.keep)
        for setup in args.setups.split(","):
            for size in [int(s) for s in args.sizes.split(",")]:
                point = run_point(args, setup, size, workdir)
                log(json.dumps(point))
                points.append(point)
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
