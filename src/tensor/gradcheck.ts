/**
 * Gradient checking: the autograd gradient of a function against central finite differences,
 * in float64. The scalar checked is sum(f(x) * w) with fixed pseudo-random weights w, so every
 * output element takes part (as torch.autograd.gradcheck does with its random projections).
 */
import { grad } from './autograd.js';
import { tensor } from './create.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';

/** What {@link gradcheck} found: autograd's gradients against central differences. */
export interface GradcheckResult {
  /** max |analytic - numeric| / max(|numeric|_inf, 1e-3), over all inputs. */
  maxRelError: number;
  /** Autograd's gradient of each input, flat. */
  analytic: number[][];
  /** Central-difference gradient of each input, flat. */
  numeric: number[][];
}

function weights(n: number): Float64Array {
  // Deterministic, varied weights in [-1, 1]; avoids symmetric cancellations.
  return Float64Array.from({ length: n }, (_, i) => Math.sin(12.9898 * (i + 1)) * 0.9 + 0.1);
}

/**
 * Checks `fn` at the point `inputs` (float64 arrays with shapes). `fn` receives fresh float64
 * tensors and must be deterministic (reseed inside it if it draws random numbers).
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: { data: number[]; shape: number[] }[],
  eps = 1e-6,
): GradcheckResult {
  const scalarAt = (values: number[][], withGrad: boolean): { value: number; grads?: number[][] } =>
    tidy(() => {
      const xs = values.map((v, i) =>
        tensor(Float64Array.from(v), { shape: inputs[i]!.shape, requiresGrad: withGrad }),
      );
      const y = fn(...xs);
      const w = tensor(weights(y.numel), { shape: y.shape });
      const l = y.mul(w).sum();
      const value = l.item();
      if (!withGrad) return { value };
      const gs = grad(l, xs, { allowUnused: true });
      return { value, grads: gs.map((g, i) => (g ? g.toArray() : new Array<number>(values[i]!.length).fill(0))) };
    });

  const base = inputs.map((x) => [...x.data]);
  const analytic = scalarAt(base, true).grads!;
  const numeric = base.map((x, i) =>
    x.map((_, k) => {
      const plus = base.map((b) => [...b]);
      const minus = base.map((b) => [...b]);
      plus[i]![k]! += eps;
      minus[i]![k]! -= eps;
      return (scalarAt(plus, false).value - scalarAt(minus, false).value) / (2 * eps);
    }),
  );
  let maxRelError = 0;
  analytic.forEach((a, i) => {
    const n = numeric[i]!;
    const scale = Math.max(1e-3, ...n.map(Math.abs));
    const err = Math.max(0, ...a.map((v, k) => Math.abs(v - n[k]!)));
    maxRelError = Math.max(maxRelError, err / scale);
  });
  return { maxRelError, analytic, numeric };
}
