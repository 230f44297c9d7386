/**
 * The one file that loads the native addon. `NativeBinding` declares everything the addon
 * offers; the rest of latentlab talks to libtorch only through this interface.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque handle to a libtorch tensor (a napi External). */
export type NativeTensor = { readonly __nativeTensor: unique symbol };

/** What may be passed to an operator: handles, numbers, booleans, strings, lists and null. */
export type NativeArg = NativeTensor | number | boolean | string | null | undefined | readonly NativeArg[];

export interface BuildInfo {
  version: string;
  config: string;
  parallel: string;
  cudaAvailable: boolean;
  cudaDevices: number;
  mkldnn: boolean;
}

export interface NativeBinding {
  /** Looks an ATen operator up by schema name ("aten::add", "Tensor"); returns a handle for call(). */
  op(name: string, overload: string): number;
  call(op: number, ...args: NativeArg[]): unknown;
  callVoid(op: number, ...args: NativeArg[]): void;
  schema(op: number): string;
  listOps(): string[];

  backward(
    outputs: NativeTensor[],
    grads: (NativeTensor | null)[] | null,
    retainGraph: boolean,
    createGraph: boolean,
  ): void;
  grad(
    outputs: NativeTensor[],
    inputs: NativeTensor[],
    grads: (NativeTensor | null)[] | null,
    retainGraph: boolean,
    createGraph: boolean,
    allowUnused: boolean,
  ): (NativeTensor | null)[];
  getGrad(t: NativeTensor): NativeTensor | null;
  setGrad(t: NativeTensor, g: NativeTensor | null): void;
  requiresGrad(t: NativeTensor): boolean;
  setRequiresGrad(t: NativeTensor, on: boolean): void;
  isLeaf(t: NativeTensor): boolean;
  setGradEnabled(on: boolean): void;
  isGradEnabled(): boolean;

  fromBytes(data: ArrayBufferView, dtype: string, shape: readonly number[]): NativeTensor;
  toBytes(t: NativeTensor): ArrayBuffer;
  toBytesAsync(t: NativeTensor): Promise<ArrayBuffer>;
  /** [dtype, device, ...shape] */
  meta(t: NativeTensor): [string, string, ...number[]];
  item(t: NativeTensor): number | boolean;
  dispose(t: NativeTensor): void;
  isDisposed(t: NativeTensor): boolean;
  liveTensors(): number;
  dataPtr(t: NativeTensor): number;

  manualSeed(seed: number): void;
  getRngState(): NativeTensor;
  setRngState(state: NativeTensor): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  buildInfo(): BuildInfo;
  synchronize(): void;

  /** Whether the tensor is dense and row-major (what the fused optimizer steps take). */
  isContiguous(t: NativeTensor): boolean;
  /** The instruction set of the fused optimizer steps' kernels ('DEFAULT', 'AVX2', 'AVX512'): the one ATen's kernels use. */
  fusedKernelCapability(): string;

  /**
   * Fused Adam/AdamW step (Kingma & Ba, 2015; Loshchilov & Hutter, 2019) over contiguous CPU
   * float32/float64 buffers of one size, updated in place in one vectorised pass, in the order
   * of PyTorch 1.13's single-tensor code. Throws naming the argument that is not such a buffer.
   */
  fusedAdamStep(
    param: NativeTensor,
    grad: NativeTensor,
    expAvg: NativeTensor,
    expAvgSq: NativeTensor,
    settings: FusedAdamSettings,
  ): void;
  /** Fused SGD step (momentum, dampening, Nesterov, weight decay); the buffer may be null without momentum. */
  fusedSgdStep(
    param: NativeTensor,
    grad: NativeTensor,
    momentumBuffer: NativeTensor | null,
    settings: FusedSgdSettings,
  ): void;
  /** Fused RMSprop step (Hinton's lecture 6e); momentumBuffer / gradAvg may be null when momentum / centered is off. */
  fusedRmspropStep(
    param: NativeTensor,
    grad: NativeTensor,
    squareAvg: NativeTensor,
    momentumBuffer: NativeTensor | null,
    gradAvg: NativeTensor | null,
    settings: FusedRmspropSettings,
  ): void;

  /**
   * Starts libtorch's autograd profiler on this thread (the legacy one, which every libtorch
   * has; Kineto is not in Debian's): from now on every ATen operator, autograd node and user
   * range is timed. Throws when it runs already.
   */
  profilerStart(): void;
  /** Opens a named range inside which what runs is recorded (torch.autograd.profiler.record_function). */
  profilerRangePush(name: string): void;
  /** Closes the innermost open range; throws when none is open. */
  profilerRangePop(): void;
  /** Stops the profiler, closing the ranges still open, and returns what it recorded. */
  profilerStop(): ProfilerRecord;
  /** Whether the profiler runs. */
  profilerRunning(): boolean;
}

/**
 * What the profiler recorded: one entry per range (an operator, an autograd node or a user
 * range), in the order they began on each thread, a parent before what ran inside it.
 */
export interface ProfilerRecord {
  /** Which of libtorch's profilers recorded it: 'legacy' (the autograd profiler). */
  profiler: string;
  /** Microseconds from start to stop. */
  durationUs: number;
  names: string[];
  /** 'operator' (an ATen operator), 'backward' (an autograd node), 'user' (profilerRangePush) or 'other'. */
  scopes: string[];
  /** libtorch's number of the thread each ran on. */
  threads: Float64Array;
  /** Microseconds from the start of the profiler to each range's start and end. */
  startUs: Float64Array;
  endUs: Float64Array;
  /** The index of the range each ran inside (on its thread), or -1. */
  parents: Float64Array;
}

/** Settings of one fused Adam step; `step` counts from 1 (bias correction). */
export interface FusedAdamSettings {
  step: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: p *= 1 - lr * weightDecay instead of adding weightDecay * p to the gradient. */
  decoupled: boolean;
}

/** Settings of one fused SGD step; at `step` 1 the momentum buffer starts as the gradient. */
export interface FusedSgdSettings {
  step: number;
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

/** Settings of one fused RMSprop step. */
export interface FusedRmspropSettings {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root, from both src/binding (tsx) and dist/src/binding (compiled). */
export const packageRoot = [join(here, '..', '..'), join(here, '..', '..', '..')].find((p) =>
  existsSync(join(p, 'package.json')),
)!;
export const addonPath = join(packageRoot, 'native', 'build', 'Release', 'latentlab.node');

/** The CPU's feature flags (Linux), or an empty set elsewhere. */
export function cpuFlags(): Set<string> {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return new Set(/^flags\s*:(.*)$/m.exec(info)?.[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/** The OpenBLAS kernel family a CPU with these flags can run: SkylakeX (AVX-512), Haswell (AVX2), or none to decide. */
export function openblasCoreFor(flags: Set<string>): string | null {
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

const BUILD_SCRIPT = join(packageRoot, 'native', 'build-addon.cjs');

/**
 * Builds the addon on first import when it is missing (npm 11 runs no dependency's install
 * script unless the user approves it), unless LATENTLAB_NO_BUILD=1; the build's output goes to stderr.
 */
function buildIfMissing(): void {
  if (existsSync(addonPath) || process.env.LATENTLAB_NO_BUILD === '1' || !existsSync(BUILD_SCRIPT)) return;
  spawnSync(process.execPath, [BUILD_SCRIPT], { stdio: ['ignore', 2, 2] });
}

function load(): NativeBinding {
  buildIfMissing();
  if (!existsSync(addonPath)) {
    throw new Error(
      `latentlab's native addon is not built (${addonPath} is missing).\n` +
        `Build it with: npx latentlab setup   (in a clone of the repository: bash scripts/setup.sh)`,
    );
  }
  // libgomp reads this when the addon loads it. Its default (spin for a while after each
  // parallel region) makes OpenMP and OpenBLAS threads fight over the cores: measured here on
  // 2 cores, an MLP VAE step took 63 ms spinning and 22 ms passive (same in PyTorch).
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  // OpenBLAS reads this when it loads. On CPUs it does not recognise (virtual machines that
  // report a generic model) it falls back to its 2004 "Prescott" SSE3 kernels: a 1024x1024
  // matmul ran at 36 GFLOP/s there, and at 107 with the AVX-512 kernels the CPU supports.
  const core = openblasCoreFor(cpuFlags());
  if (core && !process.env.OPENBLAS_CORETYPE) process.env.OPENBLAS_CORETYPE = core;
  return createRequire(import.meta.url)(addonPath) as NativeBinding;
}

export const native: NativeBinding = load();
