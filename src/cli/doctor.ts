/**
 * `latentlab doctor`: what the engine runs on (libtorch, BLAS, threads, devices), how fast a
 * matmul is, and which datasets are present, with warnings for slow set-ups.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../binding/native.js';
import { BUILTIN, locateBuiltin } from '../data/builtin.js';
import { randn } from '../tensor/create.js';
import { buildInfo, getNumThreads, synchronize } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';

export interface DoctorReport {
  libtorch: { version: string; source: string; path: string };
  blas: { info: string; libraries: string[]; kind: string; openblasCore: string };
  threads: number;
  ompWaitPolicy: string;
  devices: string[];
  matmulGflops: number;
  datasets: Record<string, string | null>;
  warnings: string[];
}

/** BLAS libraries mapped into this process (what the matmuls really run on). */
function loadedBlas(): string[] {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const libs = new Set(
      maps
        .split('\n')
        .map((l) => l.split(/\s+/).pop() ?? '')
        .filter((p) => /blas|mkl|lapack/i.test(p)),
    );
    return [...libs];
  } catch {
    return [];
  }
}

function blasKind(libs: string[], info: string): string {
  const all = libs.join(' ') + ' ' + info;
  if (/mkl/i.test(all)) return 'MKL';
  if (/openblas/i.test(all)) return 'OpenBLAS';
  if (/blis/i.test(all)) return 'BLIS';
  if (/atlas/i.test(all)) return 'ATLAS';
  if (libs.some((l) => /\/blas\/libblas/.test(l))) return 'reference BLAS (slow)';
  return info || 'unknown';
}

/** GFLOP/s of a 1024x1024 float32 matmul (best of several). */
export function matmulGflops(n = 1024, reps = 10): number {
  return tidy(() => {
    const a = randn([n, n]);
    const b = randn([n, n]);
    for (let i = 0; i < 2; i++) a.matmul(b).dispose();
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      a.matmul(b).dispose();
      synchronize();
      best = Math.min(best, performance.now() - t0);
    }
    return (2 * n ** 3) / (best / 1000) / 1e9;
  });
}

export function doctor(): DoctorReport {
  const info = buildInfo();
  const find = createRequire(import.meta.url)(join(packageRoot, 'native', 'find-libtorch.cjs')) as {
    find(): { source: string; libdir: string };
  };
  let source = { source: 'unknown', libdir: '' };
  try {
    source = find.find();
  } catch {
    /* the addon loaded, so a libtorch exists even if discovery now fails */
  }
  const blasInfo = /BLAS_INFO=(\w+)/.exec(info.config)?.[1] ?? '';
  const libs = loadedBlas();
  const kind = blasKind(libs, blasInfo);
  const threads = getNumThreads();
  const gflops = matmulGflops();
  const devices = ['cpu', ...Array.from({ length: info.cudaDevices }, (_, i) => `cuda:${i}`)];
  const warnings: string[] = [];
  if (/reference/.test(kind)) {
    warnings.push('libtorch runs on the reference BLAS, about 4x slower: apt-get install libopenblas0-pthread');
  }
  if (gflops < 5 * threads) {
    warnings.push(
      `matmul runs at ${gflops.toFixed(1)} GFLOP/s, slow for ${threads} threads: check the BLAS (apt-get install libopenblas0-pthread) and other load on the machine`,
    );
  }
  return {
    libtorch: { version: info.version, source: source.source, path: source.libdir },
    blas: {
      info: blasInfo,
      libraries: libs,
      kind,
      openblasCore: process.env.OPENBLAS_CORETYPE ?? 'detected by OpenBLAS',
    },
    threads,
    ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? '',
    devices,
    matmulGflops: Math.round(gflops * 10) / 10,
    datasets: Object.fromEntries(Object.values(BUILTIN).map((ds) => [ds.name, locateBuiltin(ds)])),
    warnings,
  };
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `libtorch      ${r.libtorch.version} (${r.libtorch.source}${r.libtorch.path ? `, ${r.libtorch.path}` : ''})`,
    `BLAS          ${r.blas.kind}${r.blas.libraries.length ? ` (${r.blas.libraries.join(', ')})` : ''}${r.blas.kind === 'OpenBLAS' ? `, kernels: ${r.blas.openblasCore}` : ''}`,
    `threads       ${r.threads} (OMP_WAIT_POLICY=${r.ompWaitPolicy || 'default'})`,
    `devices       ${r.devices.join(', ')}`,
    `matmul        ${r.matmulGflops} GFLOP/s (1024x1024 float32)`,
    ...Object.entries(r.datasets).map(([k, v]) => `${k.padEnd(14)}${v ?? `missing (get it: ${BUILTIN[k]!.howToGet})`}`),
    ...r.warnings.map((w) => `WARNING: ${w}`),
  ];
  return lines.join('\n');
}
