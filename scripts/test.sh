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
# and the CLI's default --threads follow): on 2 cores that halves the suite's time. The slowest
# files start first so that neither lane is left with a long one at the end.
export OMP_NUM_THREADS=1
slow_first=(test/reproduce.test.ts test/web.test.ts test/eval.test.ts test/gan.test.ts test/run-safety.test.ts test/train.test.ts)
# test/package.test.ts installs the packed project into a fresh folder and builds its addon there:
# minutes of compiling and little else. It runs beside the other files, niced and with one compile
# job, so that its time mostly overlaps theirs; its report follows theirs.
package_log=$(mktemp)
LATENTLAB_BUILD_JOBS=1 nice -n 10 node --import tsx --test test/package.test.ts >"$package_log" 2>&1 &
package_pid=$!
others=("${slow_first[@]}")
for f in test/*.test.ts; do
  [[ "$f" = test/package.test.ts || " ${slow_first[*]} " = *" $f "* ]] || others+=("$f")
done
status=0
node --import tsx --test --test-concurrency=2 "${others[@]}" || status=$?
wait "$package_pid" || status=$((status == 0 ? 1 : status))
echo "== test/package.test.ts (ran beside the others)"
cat "$package_log"
rm -f "$package_log"
exit "$status"
