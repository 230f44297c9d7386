#!/usr/bin/env node
// Finds the libtorch to build against, in this order:
//   1. $LIBTORCH: an unpacked libtorch from pytorch.org (with include/ and lib/)
//   2. the PyTorch of `python3` (torch.__path__[0] holds include/ and lib/)
//   3. the system's: Debian/Ubuntu `libtorch-dev`
// Usage: node find-libtorch.cjs [json|include|libdir|defines|libs]   (json is the default)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const HOW_TO_INSTALL = `latentlab could not find libtorch (PyTorch's C++ library). Install one of:
  - Debian/Ubuntu:  apt-get install libtorch-dev libopenblas0-pthread   (or run: bash scripts/setup.sh)
  - any Linux:      unpack libtorch from pytorch.org and set LIBTORCH=/path/to/libtorch
  - a Python with PyTorch (pip install torch) as the first python3 on PATH`;

function hasHeaders(inc) {
  return fs.existsSync(path.join(inc, 'ATen', 'ATen.h'));
}

function fromDir(root, source) {
  const include = path.join(root, 'include');
  const libdir = path.join(root, 'lib');
  if (!hasHeaders(include) || !fs.existsSync(path.join(libdir, 'libtorch_cpu.so'))) return null;
  return { source, root, include, libdir };
}

function fromEnv() {
  const root = process.env.LIBTORCH;
  if (!root) return null;
  const found = fromDir(root, 'LIBTORCH');
  if (!found) {
    console.error(`LIBTORCH=${root} has no include/ATen/ATen.h or lib/libtorch_cpu.so`);
    process.exit(1);
  }
  found.cxx11abi = process.env.LIBTORCH_CXX11_ABI ?? (root.includes('pre-cxx11') ? '0' : '1');
  return found;
}

function fromPython() {
  try {
    const out = execFileSync(
      'python3',
      ['-c', 'import torch,json;print(json.dumps([torch.__path__[0],int(torch._C._GLIBCXX_USE_CXX11_ABI)]))'],
      { stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 },
    ).toString();
    const [root, abi] = JSON.parse(out);
    const found = fromDir(root, 'python3 torch');
    if (found) found.cxx11abi = String(abi);
    return found;
  } catch {
    return null;
  }
}

function fromSystem() {
  for (const libdir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']) {
    if (fs.existsSync(path.join(libdir, 'libtorch_cpu.so')) && hasHeaders('/usr/include')) {
      return { source: 'system (libtorch-dev)', root: '/usr', include: '/usr/include', libdir, cxx11abi: '1' };
    }
  }
  return null;
}

function find() {
  const t = fromEnv() ?? fromPython() ?? fromSystem();
  if (!t) {
    console.error(HOW_TO_INSTALL);
    process.exit(1);
  }
  t.includes = [t.include, path.join(t.include, 'torch', 'csrc', 'api', 'include')];
  t.cuda = fs.existsSync(path.join(t.libdir, 'libtorch_cuda.so'));
  t.libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
  // torch_cuda registers CUDA kernels from static initialisers: keep it linked although no symbol is used.
  if (t.cuda) t.libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  return t;
}

if (require.main === module) {
  const t = find();
  const what = process.argv[2] ?? 'json';
  const out = {
    json: JSON.stringify(t, null, 1),
    include: t.includes.join(' '),
    libdir: t.libdir,
    defines: `_GLIBCXX_USE_CXX11_ABI=${t.cxx11abi}`,
    libs: [`-L${t.libdir}`, `-Wl,-rpath,${t.libdir}`, ...t.libs].join(' '),
  }[what];
  if (out === undefined) {
    console.error(`unknown query '${what}'`);
    process.exit(2);
  }
  console.log(out);
}
module.exports = { find };
