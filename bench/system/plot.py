#!/usr/bin/python3
"""Plots (PNG) of a system-benchmark JSON written by bench/system/run.py.

  bench/system/plot.py build/bench-results.json docs/benchmarks

Writes <scenario>-cpu.png (server CPU per received packet against the audience) and
<scenario>-throughput.png (packets received per second and the server's CPU share) for
each scenario, Podium and Janus on the same axes. Needs Debian's python3-matplotlib.
"""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"podium": "tab:blue", "janus": "tab:orange"}
XLABEL = {"webinar": "subscribers (1 video publisher)", "conference": "participants N (N x N video)",
          "audio": "listeners (10 audio publishers)"}


def series(points, target, scenario, key):
    rows = sorted((p for p in points if p["target"] == target and p["scenario"] == scenario
                   and p.get(key) is not None), key=lambda p: p["size"])
    return [p["size"] for p in rows], [p[key] for p in rows]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        result = json.load(f)
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    points = result["points"]
    targets = [t for t in ("podium", "janus") if any(p["target"] == t for p in points)]
    written = []
    for scenario in ("webinar", "conference", "audio"):
        if not any(p["scenario"] == scenario for p in points):
            continue
        fig, ax = plt.subplots(figsize=(6.4, 4))
        for target in targets:
            x, y = series(points, target, scenario, "cpu_us_per_packet")
            if x:
                ax.plot(x, y, "o-", color=COLORS[target], label=target.capitalize())
        ax.set_xlabel(XLABEL[scenario])
        ax.set_ylabel("server CPU per received packet (µs)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{scenario}: CPU per forwarded packet, server on one core")
        ax.grid(alpha=0.3)
        ax.legend()
        path = os.path.join(out_dir, f"{scenario}-cpu.png")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

        fig, ax = plt.subplots(figsize=(6.4, 4))
        ax2 = ax.twinx()
        for target in targets:
            x, y = series(points, target, scenario, "packets_per_second")
            if x:
                ax.plot(x, [v / 1000 for v in y], "o-", color=COLORS[target],
                        label=f"{target.capitalize()}: packets received/s")
            x, y = series(points, target, scenario, "server_cpu_share")
            if x:
                ax2.plot(x, [v * 100 for v in y], "s--", color=COLORS[target], alpha=0.6,
                         label=f"{target.capitalize()}: server CPU")
        ax.set_xlabel(XLABEL[scenario])
        ax.set_ylabel("packets received per second (thousands)")
        ax2.set_ylabel("server CPU (% of one core)")
        ax.set_ylim(bottom=0)
        ax2.set_ylim(0, 110)
        ax.set_title(f"{scenario}: throughput and server CPU")
        ax.grid(alpha=0.3)
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize="small", loc="upper left")
        path = os.path.join(out_dir, f"{scenario}-throughput.png")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    for path in written:
        print(f"plot: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
