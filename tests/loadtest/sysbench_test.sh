#!/usr/bin/env bash
# The system benchmark script (bench/system/run.py) with its tiny preset: against Podium,
# and against Janus when janus is installed. Checks only that the JSON has every scenario
# of every server with received tracks (no timing assertions; the figures are not judged),
# then the same with --sink drop for the webinar: each server's sends counted, none
# reaching a client.
#
#   tests/loadtest/sysbench_test.sh PODIUM PODIUM_LOADTEST
set -u
podium=$(realpath "$1")
loadtest=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

targets=podium
command -v janus >/dev/null && targets=podium,janus
# run.py's tiny preset against every target, writing $1; more flags follow.
sysbench() {
  local out=$1
  shift
  python3 "$root/bench/system/run.py" --podium "$podium" --loadtest "$loadtest" --preset tiny \
    --targets "$targets" --json "$out" "$@"
  local rc=$?
  [[ $rc -eq 0 ]] || { echo "FAILED: run.py $* exited with $rc"; exit 1; }
}

sysbench "$dir/results.json"
python3 - "$dir/results.json" "$targets" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
failed = 0
for target in sys.argv[2].split(","):
    for scenario in ("webinar", "conference", "audio"):
        points = [p for p in result["points"] if p["target"] == target and p["scenario"] == scenario]
        ok = points and all(p.get("tracks_received", 0) > 0 and p.get("packets_received", 0) > 0
                            and p.get("cpu_us_per_packet") is not None for p in points)
        print(f"{'ok' if ok else 'FAILED'}: {target} {scenario}: " +
              ", ".join(f"{p.get('tracks_received', 0)}/{p.get('tracks_expected', 0)} tracks" for p in points))
        failed += not ok
    if target == "podium":
        # Podium's own forwarding delay, read from /metrics over the window.
        for p in result["points"]:
            if p["target"] == "podium" and p["scenario"] == "webinar" and p.get("server_delay_ms_p50") is None:
                print("FAILED: podium webinar: no server forwarding delay (podium_forwarding_delay_seconds)")
                failed += 1
    if target not in result["summary"]:
        print(f"FAILED: no summary for {target}")
        failed += 1
sys.exit(1 if failed else 0)
PY
[[ $? -eq 0 ]] || exit 1

# --sink drop: the servers' media dropped at lo's egress, counted by each server's own
# counter (Podium) or the rule's (Janus); nothing may reach a client.
sysbench "$dir/drop.json" --scenarios webinar --sink drop
python3 - "$dir/drop.json" "$targets" <<'PY'
import json, sys
points = json.load(open(sys.argv[1]))["points"]
failed = 0
for target in sys.argv[2].split(","):
    points_of_target = [p for p in points if p["target"] == target]
    for p in points_of_target or [{}]:
        ok = (p.get("server_packets_sent", 0) > 0 and p.get("leaked_to_clients") == 0
              and p.get("undelivered_percent") is not None and p["undelivered_percent"] < 5
              and p.get("packets_received") == 0 and p.get("cpu_us_per_packet") is not None)
        print(f"{'ok' if ok else 'FAILED'}: {target} webinar, sink drop: sent {p.get('server_packets_sent')}, "
              f"undelivered {p.get('undelivered_percent')} %, leaked {p.get('leaked_to_clients')}, "
              f"received {p.get('packets_received')}")
        failed += not ok
sys.exit(1 if failed else 0)
PY
