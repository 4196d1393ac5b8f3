#!/usr/bin/env python3
"""The forwarding delay an ideal one-core SFU would have: a queueing model of fan-out.

Publishers send frames periodically, each at its own phase (as the load client's
`--phases spread` does, or at random); a frame arrives as one burst of packets. The server handles
frames in arrival order and spends `cost` microseconds per copy; it sends subscriber by
subscriber (as GSO does), so subscriber j's copies of a frame leave when j + 1
subscribers' worth of work is done. A copy's delay is its departure minus its frame's
arrival: the wait behind earlier frames plus its place in its own frame's fan-out.

Nothing else costs time in the model (no timers, no system noise), so its p99 is a lower
bound for a server with that cost per copy. Example, the conference of 28 at 2.9 us:

    bench/system/fanout_queue_model.py --publishers 28 --subscribers 27 --audio-rate 50 --cost-us 2.9
"""
import argparse
import random


def simulate(publishers, subscribers, fps, packets, keyframe_packets, keyframe_interval, audio_rate,
             cost_us, seconds, seed, random_phases=False):
    rng = random.Random(seed)
    frame_us = 1e6 / fps
    frames = []  # (arrival us, packets)
    for p in range(publishers):
        phase = (rng.random() if random_phases else (p * 0.618) % 1.0) * frame_us
        key_phase = rng.random() * keyframe_interval if keyframe_interval else None
        t = phase
        next_key = key_phase * 1e6 if key_phase is not None else None
        whole, fraction = int(packets), packets - int(packets)
        while t < seconds * 1e6:
            if next_key is not None and t >= next_key:
                n = keyframe_packets
                next_key += keyframe_interval * 1e6
            else:
                n = whole + (1 if rng.random() < fraction else 0)
            frames.append((t, n))
            t += frame_us
        if audio_rate:  # one packet per audio frame, at a phase of its own
            t = (rng.random() if random_phases else (p * 0.618 + 0.5) % 1.0) * 1e6 / audio_rate
            while t < seconds * 1e6:
                frames.append((t, 1))
                t += 1e6 / audio_rate
    frames.sort()
    delays = []  # (delay us, copies with it)
    busy_until = 0.0
    work = 0.0
    for arrival, n in frames:
        start = max(arrival, busy_until)
        per_subscriber = n * cost_us
        for j in range(subscribers):
            delays.append((start + (j + 1) * per_subscriber - arrival, n))
        busy_until = start + subscribers * per_subscriber
        work += subscribers * per_subscriber
    delays.sort()
    total = sum(count for _, count in delays)

    def percentile(q):
        target, seen = q * total, 0
        for delay, count in delays:
            seen += count
            if seen >= target:
                return delay
        return delays[-1][0]

    return work / (seconds * 1e6), percentile(0.5), percentile(0.99), percentile(0.999)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publishers", type=int, required=True)
    parser.add_argument("--subscribers", type=int, required=True, help="copies of each packet")
    parser.add_argument("--fps", type=float, default=30, help="frames (or audio packets) per second")
    parser.add_argument("--packets", type=float, default=5.8, help="mean packets of a delta frame")
    parser.add_argument("--keyframe-packets", type=int, default=19)
    parser.add_argument("--keyframe-interval", type=float, default=10, help="seconds; 0: none")
    parser.add_argument("--audio-rate", type=float, default=0,
                        help="audio packets per second each publisher also sends (the conference layout: 50)")
    parser.add_argument("--cost-us", type=float, required=True, help="server CPU per copy")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phases", choices=["spread", "random"], default="spread",
                        help="publisher i at fraction i x 0.618 of the interval (the load client), or at random")
    args = parser.parse_args()
    load, p50, p99, p999 = simulate(args.publishers, args.subscribers, args.fps, args.packets,
                                    args.keyframe_packets, args.keyframe_interval, args.audio_rate, args.cost_us,
                                    args.seconds, args.seed, args.phases == "random")
    print(f"load {load:.0%}  delay p50 {p50 / 1000:.2f} ms  p99 {p99 / 1000:.2f} ms  p99.9 {p999 / 1000:.2f} ms")


if __name__ == "__main__":
    main()
