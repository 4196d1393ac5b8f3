#!/usr/bin/env bash
# The command line as a person uses it: tokens, the key file, and start-up errors.
set -u
podium=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}

token=$("$podium" token --conference demo --name "Ada L." --role speaker --data-dir "$dir/data")
check "token printed" test -n "$token"
check "token is a JWT" bash -c "[[ '$token' =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]]"
check "key file created 0600" test "$(stat -c %a "$dir/data/server.key")" = 600
payload=$(cut -d. -f2 <<<"$token" | tr '_-' '/+')
while [ $(( ${#payload} % 4 )) -ne 0 ]; do payload="$payload="; done
claims=$(base64 -d <<<"$payload" 2>/dev/null)
check "claims name the conference" grep -q '"conf":"demo"' <<<"$claims"
check "claims name the role" grep -q '"role":"speaker"' <<<"$claims"

out=$("$podium" token --conference demo --name X --role king --data-dir "$dir/data" 2>&1); rc=$?
check "bad role refused" test $rc -ne 0
check "bad role explained" grep -q "king" <<<"$out"

printf 'http = "127.0.0.1:18099"\n\nworkers = 0\n' >"$dir/bad.toml"
out=$("$podium" serve --config "$dir/bad.toml" --data-dir "$dir/data" 2>&1); rc=$?
check "bad config stops start-up" test $rc -ne 0
check "bad config names file and line" grep -q "$dir/bad.toml:3: workers" <<<"$out"

out=$("$podium" serve --http nowhere --data-dir "$dir/data" 2>&1); rc=$?
check "bad flag stops start-up" test $rc -ne 0
check "bad flag explained" grep -q "http: 'nowhere'" <<<"$out"

out=$("$podium" frobnicate 2>&1); rc=$?
check "unknown command refused" test $rc -ne 0

# The server answers the browser app's routes (when the app has been built).
app_dist="$(dirname "$0")/../../web/app/dist"
if [ -f "$app_dist/index.html" ]; then
  port=$((10000 + RANDOM % 9000))
  "$podium" serve --http 127.0.0.1:$port --udp 127.0.0.1:$((port + 1)) --tcp off --workers 1 \
    --data-dir "$dir/serve" >"$dir/serve.log" 2>&1 &
  pid=$!
  get() {  # get PATH: prints the status line and headers
    exec 3<>/dev/tcp/127.0.0.1/$port || return 1
    printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$1" >&3
    sed -n '1,/^\r$/p' <&3
    exec 3<&-
  }
  for _ in $(seq 50); do get /healthz >/dev/null 2>&1 && break; sleep 0.1; done
  check "app entry page served" grep -q "200" <<<"$(get /app/ | head -1)"
  check "app entry page not cached" grep -qi "cache-control: no-cache" <<<"$(get /app/)"
  check "app route falls back to the entry page" grep -q "200" <<<"$(get /app/stage/anything | head -1)"
  asset=$(cd "$app_dist" && ls assets/*.js | head -1)
  check "hashed asset cached for good" grep -qi "immutable" <<<"$(get /app/$asset)"
  check "missing asset is a 404" grep -q "404" <<<"$(get /app/assets/missing-0000.js | head -1)"
  kill $pid; wait $pid 2>/dev/null
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
