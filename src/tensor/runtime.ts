/** Process-wide settings of the engine: seeds, RNG state, threads, and build information. */
import { availableParallelism } from 'node:os';
import { native, type BuildInfo } from '../binding/native.js';
import { wrap, type Tensor } from './tensor.js';

/** Seeds libtorch's generators (CPU and CUDA); the same seed and thread count replay a run. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}
/** The CPU generator's full state (uint8), for exact resumption. */
export function getRngState(): Tensor {
  return wrap(native.getRngState());
}
/** Restores the CPU generator to a state from {@link getRngState}. */
export function setRngState(state: Tensor): void {
  native.setRngState(state.handle);
}
/** Sets libtorch's number of intra-op CPU threads (every core by default, unless OMP_NUM_THREADS is set). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
/** libtorch's number of intra-op CPU threads. */
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** Tensors alive in native memory (handles neither disposed nor collected). */
export function liveTensors(): number {
  return native.liveTensors();
}
/** The libtorch build: version, configuration, parallel backend, CUDA devices, MKL-DNN. */
export function buildInfo(): BuildInfo {
  return native.buildInfo();
}
/** Waits for queued GPU work (no-op on CPU), for honest timings. */
export function synchronize(): void {
  native.synchronize();
}
/** Whether a CUDA device can be used. */
export function cudaAvailable(): boolean {
  return native.buildInfo().cudaAvailable;
}

/**
 * The compute threads used when none are chosen: OMP_NUM_THREADS when it is a positive integer
 * (libtorch's own setting: the test suite runs two files at a time with 1), else every core.
 */
export function defaultThreads(): number {
  const env = Number(process.env.OMP_NUM_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : availableParallelism();
}

// libtorch starts with whatever OMP_NUM_THREADS says (often 1); default to every core instead.
if (!process.env.OMP_NUM_THREADS) native.setNumThreads(availableParallelism());

/** Every operator this libtorch's dispatcher knows, as "aten::name.overload". */
export function listOps(): string[] {
  return native.listOps();
}

/** Runs `fn` with the generator seeded by `seed`, then puts the caller's RNG state back. */
export function withSeed<T>(seed: number, fn: () => T): T {
  const saved = getRngState();
  native.manualSeed(seed);
  try {
    return fn();
  } finally {
    setRngState(saved);
    saved.dispose();
  }
}
