#!/usr/bin/env bash
# podium-loadtest against a real `podium serve`, in a network namespace of its own (only
# loopback): every expected track arrives, loss stays low, the JSON says so, and bad
# usage is refused. Quick scenarios only; there are no timing assertions.
#
#   tests/loadtest/loadtest_test.sh PODIUM PODIUM_LOADTEST
set -u
podium=$(realpath "$1")
loadtest=$(realpath "$2")

if [[ "${PODIUM_LOADTEST_INSIDE:-}" != "1" && "${PODIUM_E2E_NO_NETNS:-}" != "1" ]]; then
  export PODIUM_LOADTEST_INSIDE=1
  exec unshare --net bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$podium" "$loadtest"
fi

dir=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

http=127.0.0.1:18290
"$podium" serve --http $http --udp 127.0.0.1:41290 --tcp off --workers 1 --data-dir "$dir/data" \
  >"$dir/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/18290) 2>/dev/null && break
  sleep 0.1
done

# Two publishers who see each other and four viewers: 2 x 2 + 4 x 4 = 20 tracks.
"$loadtest" --server http://$http --data-dir "$dir/data" --layout conference --publishers 2 \
  --subscribers 4 --duration 3 --warmup 1 --server-pid $server_pid --json "$dir/conference.json" \
  >"$dir/conference.txt" 2>&1
rc=$?
cat "$dir/conference.txt"
check "conference run reports every track received" test $rc -eq 0
check "conference JSON is what a user checks" python3 - "$dir/conference.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["totals"]
assert t["tracks_expected"] == 20, t
assert t["tracks_received"] == 20, t
assert t["loss_percent"] < 2.0, t
assert t["delay_ms"]["samples"] > 0, t
assert r["failed_participants"] == 0, r["failed_participants"]
assert len(r["receivers"]) == 6
for p in r["receivers"]:
    assert p["connected"], p["name"]
    for track in p["tracks"]:
        assert track["packets"] > 0, (p["name"], track)
        if track["kind"] == "video":
            assert track["keyframes"] >= 1, (p["name"], track)
            assert track["join_to_first_frame_ms"] is not None
for pub in r["publishers"]:
    assert pub["packets_sent"] > 0, pub
# As a browser: transport-wide-cc agreed with every receiver, feedback every 100 ms.
assert r["config"]["transport_cc"] is True
for p in r["receivers"]:
    assert p["transport_cc"], p["name"]
    assert p["transport_feedback_sent"] >= 10, (p["name"], p["transport_feedback_sent"])
# The window: the server's own delay and CPU, and nothing dropped while media flowed.
w = r["window"]
assert 1.9 <= w["seconds"] <= 2.5, w["seconds"]  # --duration minus --warmup, however late it opened
assert w["server_forwarding_delay_ms"]["packets"] > 0, w
assert w["server_drops"] == {}, w["server_drops"]
assert w["server"]["cpu_seconds"] > 0, w["server"]
PY

check "the server took the clients' transport-cc feedback and gave the publishers theirs" python3 - <<'PY'
import re, urllib.request
text = urllib.request.urlopen("http://127.0.0.1:18290/metrics", timeout=5).read().decode()
def total(name):
    return sum(float(v) for v in re.findall(r"^" + name + r"(?:\{[^}]*\})? (\S+)$", text, re.M))
assert total("podium_transport_cc_feedback_received_total") >= 60, total("podium_transport_cc_feedback_received_total")
assert total("podium_transport_cc_feedback_sent_total") > 0
assert total("podium_remb_received_total") == 0, "a client that agreed on transport-cc sent REMB"
PY

# Audio only: three publishers hear each other, two listeners hear all three: 3 x 2 + 2 x 3.
"$loadtest" --server http://$http --data-dir "$dir/data" --layout audio --publishers 3 \
  --subscribers 2 --duration 2 --json "$dir/audio.json" >"$dir/audio.txt" 2>&1
rc=$?
check "audio run reports every track received" test $rc -eq 0
check "audio JSON counts 12 audio tracks" python3 -c "
import json, sys
r = json.load(open('$dir/audio.json'))
assert r['totals']['tracks_expected'] == 12 and r['totals']['tracks_received'] == 12, r['totals']
assert all(t['kind'] == 'audio' for p in r['receivers'] for t in p['tracks'])
"

# The realism options: aligned phases, a polling client, paced video, a keyframe every
# half second (the replayed loop is that long), so each video track sees several
# keyframes in 3 s.
"$loadtest" --server http://$http --data-dir "$dir/data" --layout conference --publishers 2 \
  --subscribers 1 --duration 3 --phases aligned --poll-us 500 --keyframe-interval 0.5 \
  --pacing 2.5 --transport-cc off --json "$dir/options.json" >"$dir/options.txt" 2>&1
rc=$?
check "options run reports every track received" test $rc -eq 0
check "a keyframe every half second reaches every video track" python3 -c "
import json
r = json.load(open('$dir/options.json'))
assert r['totals']['tracks_received'] == 8, r['totals']
video = [t for p in r['receivers'] for t in p['tracks'] if t['kind'] == 'video']
assert len(video) == 4 and all(t['keyframes'] >= 4 for t in video), [t['keyframes'] for t in video]
layer = r['config']['video_layers'][0]
assert layer['loop_frames'] == 15 and layer['keyframe_packets'] >= 1, layer
assert not any(p['transport_cc'] or p['transport_feedback_sent'] for p in r['receivers']), r['receivers']
"

# A wrong key: the server refuses every token, so nothing is received and the exit says so.
printf '%064d\n' 0 >"$dir/wrong.key"
"$loadtest" --server http://$http --key "$dir/wrong.key" --publishers 1 --subscribers 1 \
  --duration 1 --connect-timeout 2 --json "$dir/wrong.json" >"$dir/wrong.txt" 2>&1
rc=$?
check "wrong key: exit 1" test $rc -eq 1
check "wrong key: no track received" python3 -c "
import json
r = json.load(open('$dir/wrong.json'))
assert r['totals']['tracks_received'] == 0 and r['failed_participants'] == 2, r
"

out=$("$loadtest" --layout pyramid --data-dir "$dir/data" 2>&1); rc=$?
check "bad layout refused" test $rc -eq 2
check "bad layout explained" grep -q "pyramid" <<<"$out"
for bad in "--phases sideways" "--keyframe-interval 0" "--keyframe-interval 90" "--poll-us -5" "--pacing 0.5" "--transport-cc maybe"; do
  out=$("$loadtest" $bad --data-dir "$dir/data" 2>&1); rc=$?
  check "$bad refused" test $rc -eq 2
  check "$bad explained" grep -q -- "^podium-loadtest: ${bad%% *} '${bad#* }'" <<<"$out"
done
out=$("$loadtest" --subscribers -3 --data-dir "$dir/data" 2>&1); rc=$?
check "negative count refused" test $rc -eq 2
out=$("$loadtest" --data-dir "$dir/nowhere" 2>&1); rc=$?
check "missing key refused" test $rc -eq 2

kill -0 "$server_pid" 2>/dev/null
check "server still running" test $? -eq 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "--- server log (tail)"; tail -20 "$dir/serve.log"; }
[ "$failed" -eq 0 ]
