#!/usr/bin/env bash
# The browser app's checks for ctest (tests/web): generated types current, type check,
# eslint, vitest. Installs node_modules from the lockfile first if they are missing or
# older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node scripts/gen-signaling-types.mjs --check
node scripts/gen-rest-types.mjs --check
npx --no-install tsc --noEmit
npm run --silent lint
npx --no-install vitest run --reporter=dot
