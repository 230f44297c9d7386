#!/usr/bin/env node
// Builds latentlab's native addon (native/build/Release/latentlab.node) with node-gyp against the
// libtorch that find-libtorch.cjs finds, using Node's own headers where they are installed (no
// download). Skipped when the addon is newer than its sources.
//   node native/build-addon.cjs            build (or say why not), exit 1 on failure
//   node native/build-addon.cjs --install  npm's install script: a missing libtorch or a failed
//                                          build is a message, not a failed `npm install`; the
//                                          addon is then built on first import or by `npx latentlab setup`
//   node native/build-addon.cjs --check    exit 0 if the addon is built and up to date, 1 if not
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const here = __dirname;
const addon = path.join(here, 'build', 'Release', 'latentlab.node');
const SOURCES = [
  'binding.gyp',
  'find-libtorch.cjs',
  ...fs.readdirSync(path.join(here, 'src')).map((f) => path.join('src', f)),
];

function upToDate() {
  if (!fs.existsSync(addon)) return false;
  const built = fs.statSync(addon).mtimeMs;
  return SOURCES.every((f) => fs.statSync(path.join(here, f)).mtimeMs <= built);
}

/** Node's own headers (include/node/node_api.h beside the running node), so that node-gyp downloads none. */
function nodeDir() {
  for (const root of [path.resolve(process.execPath, '..', '..'), '/usr']) {
    if (fs.existsSync(path.join(root, 'include', 'node', 'node_api.h'))) return root;
  }
  return null;
}

/** node-gyp's entry script: a dependency of latentlab, wherever npm placed it. */
function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [here] });
  } catch {
    return null;
  }
}

function say(msg) {
  process.stderr.write(`latentlab: ${msg}\n`);
}

function build() {
  const found = spawnSync(process.execPath, [path.join(here, 'find-libtorch.cjs'), 'json'], { encoding: 'utf8' });
  if (found.status !== 0) {
    say(`cannot build the native addon:\n${found.stderr.trim()}`);
    return false;
  }
  const gyp = nodeGyp();
  if (!gyp) {
    say('cannot build the native addon: node-gyp is not installed (npm install node-gyp)');
    return false;
  }
  const dir = nodeDir();
  // LATENTLAB_BUILD_JOBS: fewer compile jobs than cores (the suite builds one beside its other tests).
  const jobs = process.env.LATENTLAB_BUILD_JOBS ?? String(require('node:os').availableParallelism());
  say(
    `building the native addon against libtorch (${JSON.parse(found.stdout).source}); this takes a few minutes, once`,
  );
  const args = [gyp, 'rebuild', '-j', jobs, ...(dir ? [`--nodedir=${dir}`] : [])];
  const r = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !fs.existsSync(addon)) {
    say(
      `building the native addon failed (node-gyp exit ${r.status}${dir ? '' : '; no Node headers were found beside node, so node-gyp tried to download them'})`,
    );
    return false;
  }
  say(`built ${addon}`);
  return true;
}

const mode = process.argv[2] ?? '';
if (!['', '--install', '--check'].includes(mode)) {
  say(`unknown option '${mode}' (use --install or --check)`);
  process.exit(2);
}
if (mode === '--check') process.exit(upToDate() ? 0 : 1);
if (upToDate()) process.exit(0);
const ok = build();
if (!ok && mode === '--install') {
  say('the install goes on without the addon: once libtorch is installed, run `npx latentlab setup`');
  process.exit(0);
}
process.exit(ok ? 0 : 1);
