/** Runs a PyTorch reference (bench/reference/torch_vae.py by default) and returns its per-epoch JSON lines. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mnistDir } from '../src/data/builtin.js';
import { packageRoot } from '../src/binding/native.js';

/** The PyTorch VAE reference: an unchanged copy of the course's torch_vae.py, kept in the repository. */
export const REFERENCE = join(packageRoot, 'bench', 'reference', 'torch_vae.py');
/** The PyTorch DCGAN reference, written for these benchmarks (the course has none). */
export const DCGAN_REFERENCE = join(packageRoot, 'bench', 'reference', 'torch_dcgan.py');
export const PYTHON = '/usr/bin/python3';

export interface ReferenceConfig {
  label: string;
  threads: number;
  env: Record<string, string | undefined>;
}

/**
 * The reference as shipped (threads = cores, the environment as it was before latentlab
 * changed it) and two settings tuned as latentlab tunes itself (passive OpenMP waiting, the
 * OpenBLAS kernels the CPU supports), so that the project is also compared with PyTorch's best.
 */
export function referenceConfigs(
  cores: number,
  original: { waitPolicy: string | undefined; coreType: string | undefined },
): ReferenceConfig[] {
  const tuned = { OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE };
  const kernels = tuned.OPENBLAS_CORETYPE ? ` OPENBLAS_CORETYPE=${tuned.OPENBLAS_CORETYPE}` : '';
  return [
    {
      label: `default (threads=${cores})`,
      threads: cores,
      env: { OMP_WAIT_POLICY: original.waitPolicy, OPENBLAS_CORETYPE: original.coreType },
    },
    { label: `threads=1 OMP_WAIT_POLICY=PASSIVE${kernels}`, threads: 1, env: tuned },
    { label: `threads=${cores} OMP_WAIT_POLICY=PASSIVE${kernels}`, threads: cores, env: tuned },
  ];
}

export function runReference(args: string[], cfg: ReferenceConfig, script = REFERENCE): Record<string, number>[] {
  if (!existsSync(script)) throw new Error(`the PyTorch reference is missing: ${script}`);
  const env = { ...process.env, ...cfg.env };
  for (const [k, v] of Object.entries(cfg.env)) if (v === undefined) delete env[k];
  const out = execFileSync(PYTHON, [script, '--data', mnistDir(), '--threads', String(cfg.threads), ...args], {
    env,
    maxBuffer: 1 << 24,
  });
  return out
    .toString()
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, number>);
}
