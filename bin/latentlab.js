#!/usr/bin/env node
// Entry point of the `latentlab` command (the compiled CLI lives in dist/).
// `latentlab setup` builds the native addon before anything loads it, so that a missing libtorch
// is reported as such instead of as a failed import.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === 'setup') {
  const script = fileURLToPath(new URL('../native/build-addon.cjs', import.meta.url));
  const built = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await import('../dist/src/cli/run.js');
