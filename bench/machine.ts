/** A one-line description of the machine and engine, printed beside every benchmark figure. */
import { cpus } from 'node:os';
import { buildInfo, getNumThreads } from '../src/tensor/runtime.js';

export function machine(): Record<string, string | number> {
  const info = buildInfo();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    threads: getNumThreads(),
    node: process.version,
    libtorch: info.version,
    blas: /BLAS_INFO=(\w+)/.exec(info.config)?.[1] ?? '?',
    omp_wait_policy: process.env.OMP_WAIT_POLICY ?? '',
    openblas_coretype: process.env.OPENBLAS_CORETYPE ?? '',
  };
}
