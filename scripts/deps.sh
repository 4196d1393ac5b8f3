#!/usr/bin/env bash
# Installs every Debian and npm package that building, serving and testing Podium needs.
# Idempotent and quick when everything is present. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential g++ cmake ninja-build pkg-config ccache git
  libssl-dev libsrtp2-dev libboost1.81-dev nlohmann-json3-dev libtomlplusplus-dev libfmt-dev
  libsqlite3-dev libargon2-dev libgtest-dev libgmock-dev libbenchmark-dev
  chromium iproute2 util-linux procps python3
  firefox-esr
  nftables espeak-ng sox
  libvpx-dev libopus-dev libwebm-dev ffmpeg janus
  libavformat-dev libavcodec-dev libavutil-dev
  zlib1g-dev unzip python3-jsonschema python3-matplotlib
)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js 18 or newer with npm: Debian 12's nodejs (18) and npm packages, unless a newer
# Node with its own npm is already installed.
node_ok=false
if command -v node >/dev/null && command -v npm >/dev/null; then
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  [ "$major" -ge 18 ] && node_ok=true
fi
$node_ok || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages of the browser tests (playwright-core drives Debian's Chromium,
# puppeteer-core Debian's Firefox ESR; neither downloads a browser of its own).
if [ -f tests/e2e/package-lock.json ] &&
   { [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/puppeteer-core ]; }; then
  echo "deps: npm ci in tests/e2e"
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
    npm ci --no-audit --no-fund --loglevel=error)
fi
# npm packages of the browser app (web/app: Preact, Vite, eslint, vitest), from its lockfile.
if [ -f web/app/package-lock.json ] &&
   { [ ! -d web/app/node_modules ] || [ web/app/package-lock.json -nt web/app/node_modules ]; }; then
  echo "deps: npm ci in web/app"
  (cd web/app && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "deps: ok"
