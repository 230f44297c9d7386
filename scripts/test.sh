#!/usr/bin/env bash
# Runs the whole test suite: type check (the library and the web UI), format, lint and layer checks, then node's
# test runner over test/*.test.ts (via tsx). With arguments: only those test files.
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
echo "== API reference (TypeDoc into docs/api; every exported function, class, interface, type and constant documented)"
npx --no-install typedoc
echo "== tests"
export LATENTLAB_TEST_DIST=1
if [ $# -gt 0 ]; then exec node --import tsx --test --test-concurrency=1 "$@"; fi
# Two test files run at a time, each with one compute thread (OMP_NUM_THREADS=1, which the engine
# and the CLI's default --threads follow): on 2 cores that nearly halves the suite's time. The
# slowest files start first so that neither lane is left with a long one at the end: first
# test/package.test.ts, which installs the packed project into a fresh folder and compiles its
# addon there with one job (LATENTLAB_BUILD_JOBS=1), minutes of compiling in one lane.
export OMP_NUM_THREADS=1 LATENTLAB_BUILD_JOBS=1
files=(test/package.test.ts test/reproduce.test.ts test/web.test.ts test/eval.test.ts test/gan.test.ts
  test/run-safety.test.ts test/train.test.ts)
for f in test/*.test.ts; do
  [[ " ${files[*]} " = *" $f "* ]] || files+=("$f")
done
exec node --import tsx --test --test-concurrency=2 "${files[@]}"
