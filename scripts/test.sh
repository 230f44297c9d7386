#!/usr/bin/env bash
# Runs the whole test suite: type check (the library and the web UI), format, lint and layer checks, then node's
# test runner over test/*.test.ts (via tsx).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== type check and compile (tsc; the tests start the CLI from the fresh dist/, see test/helpers.ts)"
npx --no-install tsc -p tsconfig.json
npx --no-install tsc -p web/tsconfig.json
echo "== format (prettier --check, clang-format for native/)"
npm run --silent format:check
clang-format --dry-run --Werror native/src/*.cc native/src/*.h
echo "== lint (typescript-eslint, recommendedTypeChecked; see eslint.config.js)"
npx --no-install eslint .
echo "== layers (dependency-cruiser: nothing imports a layer above its own; see .dependency-cruiser.cjs)"
npx --no-install depcruise src web/src --config .dependency-cruiser.cjs
echo "== tests"
if [ $# -eq 0 ]; then set -- test/*.test.ts; fi
export LATENTLAB_TEST_DIST=1
exec node --import tsx --test --test-concurrency=1 "$@"
