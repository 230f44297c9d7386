/**
 * The one file that loads the native addon. `NativeBinding` declares everything the addon
 * offers; the rest of latentlab talks to libtorch only through this interface.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
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

  backward(outputs: NativeTensor[], grads: (NativeTensor | null)[] | null, retainGraph: boolean, createGraph: boolean): void;
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
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root, from both src/binding (tsx) and dist/src/binding (compiled). */
export const packageRoot = [join(here, '..', '..'), join(here, '..', '..', '..')].find((p) =>
  existsSync(join(p, 'package.json')),
)!;
export const addonPath = join(packageRoot, 'native', 'build', 'Release', 'latentlab.node');

function load(): NativeBinding {
  if (!existsSync(addonPath)) {
    throw new Error(
      `latentlab's native addon is not built (${addonPath} is missing).\n` +
        `Build it with: bash scripts/setup.sh   (or: npm run build:native)`,
    );
  }
  // libgomp reads this when the addon loads it. Its default (spin for a while after each
  // parallel region) makes OpenMP and OpenBLAS threads fight over the cores: measured here on
  // 2 cores, an MLP VAE step took 63 ms spinning and 22 ms passive (same in PyTorch).
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  return createRequire(import.meta.url)(addonPath) as NativeBinding;
}

export const native: NativeBinding = load();
