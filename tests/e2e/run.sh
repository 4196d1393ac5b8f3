#!/usr/bin/env bash
# End-to-end browser tests: starts `BUILD_DIR/podium serve` inside a fresh
# network namespace (loopback only), runs `node --test` on tests/e2e/*.test.mjs
# against it with Debian's Chromium, and stops the server. Exit code = result.
#
#   tests/e2e/run.sh BUILD_DIR [test files...]
#
# Environment: PODIUM_HTTP_PORT (18080), PODIUM_UDP_PORT (41000),
# PODIUM_CHROMIUM (/usr/bin/chromium), PODIUM_E2E_VERBOSE=1 echoes page consoles,
# PODIUM_E2E_NO_NETNS=1 skips the namespace (e.g. where unshare is not allowed).
# Also runs tests/tools/*.test.mjs (the impairment relay's own tests). The
# Firefox and impairment tests start servers of their own (see README.md).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ "${1:-}" == "--inside" ]]; then
  shift
  inside=1
else
  inside=0
fi

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [test files...]" >&2
  exit 2
fi
build_dir="$(cd "$1" 2>/dev/null && pwd)" || { echo "run.sh: no such build dir: $1" >&2; exit 2; }
shift
podium="$build_dir/podium"

if [[ $inside -eq 0 ]]; then
  [[ -x "$podium" ]] || { echo "run.sh: $podium is missing or not executable" >&2; exit 2; }
  command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 2; }
  chromium_bin="${PODIUM_CHROMIUM:-/usr/bin/chromium}"
  [[ -x "$chromium_bin" ]] || { echo "run.sh: $chromium_bin is missing (apt-get install chromium)" >&2; exit 2; }
  # Test files given relative to the caller's directory: make them absolute.
  files=()
  for f in "$@"; do files+=("$(realpath "$f")"); done
  set -- "${files[@]}"
  # Dependencies come from the npm registry, so install before leaving the network.
  if [[ ! -d "$here/node_modules/playwright-core" || ! -d "$here/node_modules/puppeteer-core" ]]; then
    echo "run.sh: installing test dependencies (npm ci)"
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund) || exit 2
  fi
  if [[ "${PODIUM_E2E_NO_NETNS:-}" == "1" ]]; then
    exec "$0" --inside "$build_dir" "$@"
  fi
  exec unshare --net "$0" --inside "$build_dir" "$@"
fi

# ---- inside the namespace ----------------------------------------------------
if [[ "${PODIUM_E2E_NO_NETNS:-}" != "1" ]]; then
  ip link set lo up || { echo "run.sh: cannot bring up lo in the namespace" >&2; exit 2; }
  # The tests' servers listen on fixed ports (18080-18099, 41000-41099), some only
  # when their test starts, while other test files run in parallel. Keep the kernel's
  # ephemeral ports (the browsers' ICE sockets, every client connection) above them:
  # with the default range (32768-60999) the ICE-TCP test's server once found TCP
  # 41020 already in use.
  sysctl -qw net.ipv4.ip_local_port_range="42000 60999" ||
    echo "run.sh: cannot narrow the ephemeral port range; fixed test ports may collide" >&2
  # Tests that change the namespace's firewall (ice_tcp.test.mjs) run only here.
  export PODIUM_E2E_NETNS=1
  # Firefox gathers no ICE candidate on loopback and none without a default
  # route: give the namespace an address of its own (firefox.test.mjs serves
  # media on it). The veth's peer and the route lead nowhere outside.
  if ip link add v0 type veth peer name v1 2>/dev/null; then
    ip link set v0 up && ip link set v1 up &&
      ip addr add 10.99.0.1/24 dev v0 &&
      ip route add default via 10.99.0.2 dev v0 onlink ||
      echo "run.sh: veth setup failed; the Firefox test will be skipped" >&2
  else
    echo "run.sh: cannot create a veth; the Firefox test will be skipped" >&2
  fi
fi

http_port="${PODIUM_HTTP_PORT:-18080}"
udp_port="${PODIUM_UDP_PORT:-41000}"
work="$(mktemp -d /tmp/podium-e2e.XXXXXX)"
data_dir="$work/data"
mkdir -p "$data_dir"
log="$work/server.log"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

print_log() {
  echo "----- server log ($log) -----"
  tail -n 300 "$log"
  echo "----- end of server log -----"
}

# PODIUM_SERVE_ARGS: more flags for this server, e.g. "--workers 2
# --worker-sessions-before-spread 0" to run the tests over the in-process relays.
# shellcheck disable=SC2086
"$podium" serve --http "127.0.0.1:$http_port" --udp "127.0.0.1:$udp_port" \
  --data-dir "$data_dir" --web-root "$repo/web/static" --log-level info ${PODIUM_SERVE_ARGS:-} >"$log" 2>&1 &
server_pid=$!

url="http://127.0.0.1:$http_port"
healthy=0
for _ in $(seq 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: the server exited before becoming healthy" >&2
    print_log
    exit 1
  fi
  if node -e "fetch('$url/healthz').then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))" 2>/dev/null; then
    healthy=1
    break
  fi
  sleep 0.1
done
if [[ $healthy -ne 1 ]]; then
  echo "run.sh: $url/healthz did not answer 200 within 10 s" >&2
  print_log
  exit 1
fi

if [[ $# -gt 0 ]]; then
  tests=("$@")
else
  tests=("$here"/*.test.mjs "$repo"/tests/tools/*.test.mjs)
fi

# One browser-heavy file at a time (2 cores); Node 18 lacks the option and
# runs files one by one anyway when given few cores.
node_flags=(--test --test-reporter=spec)
if node --test-concurrency=1 -e 0 >/dev/null 2>&1; then
  node_flags+=(--test-concurrency=1)
fi

cd "$here"
PODIUM_URL="$url" PODIUM_BIN="$podium" PODIUM_DATA_DIR="$data_dir" \
  node "${node_flags[@]}" "${tests[@]}"
status=$?

if [[ $status -ne 0 ]]; then
  print_log
fi
exit $status
