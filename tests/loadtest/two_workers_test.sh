#!/usr/bin/env bash
# bench/relay/two_workers.py in its throughput mode (--sink drop), tiny: one worker and two
# workers, two publishers and a few subscribers. Checks what the mode relies on, not its
# figures: everyone connected, the server forwarded each packet it read to every
# subscriber, the nftables sink dropped that media (so the client received none of it),
# and with two workers the relay carried the publishers' packets to the second worker.
#
#   tests/loadtest/two_workers_test.sh PODIUM PODIUM_LOADTEST
set -u
podium=$(realpath "$1")
loadtest=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 "$root/bench/relay/two_workers.py" --podium "$podium" --loadtest "$loadtest" --sink drop \
  --publishers 2 --setups w1,w2 --sizes 4 --warmup 1.5 --window 2 --json "$dir/results.json"
rc=$?
[[ $rc -eq 0 ]] || { echo "FAILED: two_workers.py exited with $rc"; exit 1; }
python3 - "$dir/results.json" <<'PY'
import json, sys
points = json.load(open(sys.argv[1]))["points"]
failed = 0
def check(ok, what):
    global failed
    print(("ok: " if ok else "FAILED: ") + what)
    failed += not ok
for setup in ("w1", "w2"):
    p = next((p for p in points if p["setup"] == setup), {})
    check(not p.get("error"), f"{setup}: ran ({p.get('error', 'no error')})")
    check(p.get("connected") == "6/6", f"{setup}: connected {p.get('connected')}")
    check(p.get("sent_packets_per_second", 0) > 0, f"{setup}: sent {p.get('sent_packets_per_second')} packets/s")
    # Video and audio from two publishers to four subscribers: each packet read, 4 copies.
    fanout = p.get("fanout") or 0
    check(0.9 <= fanout <= 1.1, f"{setup}: fanout {fanout}")
    check(p.get("sink_dropped", 0) > 0, f"{setup}: the sink dropped {p.get('sink_dropped')} packets")
    check(p.get("sink_leaked") == 0, f"{setup}: {p.get('sink_leaked')} RTP packets reached a client")
    check(p.get("input_dropped") == 0, f"{setup}: nothing dropped at the server's sockets")
    relayed = p.get("relayed_per_second") or 0
    if setup == "w2":
        check(relayed > 0, f"w2: relayed {relayed} packets/s")
    else:
        check(relayed == 0, f"w1: relayed {relayed} packets/s")
sys.exit(1 if failed else 0)
PY
