/**
 * The optimizer base: parameters, a learning rate that may change between steps, and state
 * tensors that save to and load from a flat record exactly (so that a resumed run takes the
 * same next step). Updates follow PyTorch 1.13's single-tensor code.
 *
 * Flat buffers (the default where possible): the parameters are moved into one contiguous
 * tensor, each parameter becoming a view of it, and their gradients likewise. An update is
 * then a handful of large ATen calls instead of a handful per parameter (the trick of apex's
 * and DeepSpeed's fused optimizers). Gradients are zeroed rather than freed, which is
 * PyTorch 1.13's default `zero_grad(set_to_none=False)`: parameters that got no gradient
 * are still updated from their state, as in PyTorch.
 */
import { native } from '../../binding/native.js';
import { noGrad } from '../autograd.js';
import { scalar, zeros, zerosLike } from '../create.js';
import { cat } from '../functional.js';
import { keep, tidy } from '../scope.js';
import { callInplace, type Tensor } from '../tensor.js';

/** One update target's state tensors by name ('exp_avg', 'momentum_buffer', ...). */
export type OptimizerState = Record<string, Tensor>;

/** Settings every optimizer takes. */
export interface OptimizerOptions {
  /** Move parameters into one flat buffer (default true; off when dtypes or devices differ). */
  flat?: boolean;
  /**
   * Update with the addon's fused step, one vectorised pass over each buffer, instead of a
   * sequence of ATen operators (default false). Only for contiguous CPU float32/float64
   * tensors; others take the reference path silently. Same results to a few ulps, same state.
   */
  fused?: boolean;
}

interface FlatBuffers {
  params: Tensor;
  grads: Tensor;
  /** [offset, numel] of each parameter in the buffers. */
  spans: [number, number][];
  /** Data address of each parameter's gradient view, to notice a gradient replaced by the user. */
  gradPtrs: number[];
}

/** Parameters already moved into some optimizer's flat buffer (must not be moved twice). */
const flattened = new WeakSet<Tensor>();

/** Base of the optimizers: owns the parameters, their state and the learning rate `lr` (settable between steps). */
export abstract class Optimizer {
  /** State per update target: one entry per parameter, or a single entry for flat buffers. */
  protected readonly state: (OptimizerState | undefined)[] = [];
  protected readonly steps: number[] = [];
  readonly #flat: FlatBuffers | null;
  /** Whether updates use the fused native step where the tensors allow it (OptimizerOptions.fused). */
  readonly fused: boolean;

  constructor(
    readonly params: Tensor[],
    public lr: number,
    opts: OptimizerOptions = {},
  ) {
    if (!(lr >= 0)) throw new RangeError(`learning rate must be >= 0, got ${lr}`);
    if (params.length === 0) throw new RangeError('optimizer got an empty parameter list');
    this.#flat = (opts.flat ?? true) && canFlatten(params) ? flatten(params) : null;
    this.fused = opts.fused ?? false;
  }

  /** The names of the state tensors an update keeps per parameter. */
  protected abstract readonly stateKeys: readonly string[];

  /** Updates parameter `p` in place given its gradient; called without autograd. */
  protected abstract update(p: Tensor, grad: Tensor, s: OptimizerState, step: number): void;

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    noGrad(() =>
      tidy(() => {
        const f = this.#flat;
        if (!f) {
          this.params.forEach((p, i) => {
            const g = p.grad;
            if (g) this.#updateOne(i, p, g, (this.state[i] ??= this.#freshState(p)));
          });
          return;
        }
        const active = this.params.map((p, i) => this.#attachGrad(f, p, i));
        const flatState = (this.state[0] ??= this.#freshState(f.params));
        const first = this.steps[0] ?? 0;
        if (active.every(Boolean) && this.params.every((_, i) => (this.steps[i] ?? 0) === first)) {
          // The fast path: one update of the whole buffer.
          this.params.forEach((_, i) => (this.steps[i] = first + 1));
          this.update(f.params, f.grads, flatState, first + 1);
          return;
        }
        // Some parameter has no gradient this step (PyTorch skips it): update the others one by one.
        this.params.forEach((p, i) => {
          if (!active[i]) return;
          const view = (t: Tensor): Tensor => t.narrow(0, f.spans[i]![0], f.spans[i]![1]).view(...p.shape);
          const s = Object.fromEntries(Object.entries(flatState).map(([k, t]) => [k, view(t)]));
          this.#updateOne(i, view(f.params), view(f.grads), s);
        });
      }),
    );
  }

  #freshState(like: Tensor): OptimizerState {
    return Object.fromEntries(this.stateKeys.map((k) => [k, keep(zerosLike(like))]));
  }

  #updateOne(i: number, p: Tensor, g: Tensor, s: OptimizerState): void {
    this.steps[i] = (this.steps[i] ?? 0) + 1;
    this.update(p, g, s, this.steps[i]);
  }

  /**
   * Makes parameter i's gradient the view of the flat buffer again if the user replaced it
   * (copying the new values in); returns false if it has no gradient (it is then skipped).
   */
  #attachGrad(f: FlatBuffers, p: Tensor, i: number): boolean {
    const g = p.grad;
    if (!g) return false;
    if (native.dataPtr(g.handle) !== f.gradPtrs[i]) {
      const view = f.grads.narrow(0, f.spans[i]![0], f.spans[i]![1]).view(...p.shape);
      view.copy_(g);
      p.grad = view;
    }
    return true;
  }

  /** Clears every gradient: zeroes the flat buffer, or frees per-parameter gradients. */
  zeroGrad(): void {
    if (this.#flat) this.#flat.grads.zero_();
    else for (const p of this.params) p.grad = null;
  }

  /** Number of updates applied so far (to the first parameter). */
  get stepCount(): number {
    return this.steps[0] ?? 0;
  }

  /**
   * Per-parameter state as named tensors ("3.exp_avg", "3.step"), the same with or without
   * flat buffers. The tensors are new handles the caller owns (views of the live state: save
   * or copy them, do not modify them).
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const f = this.#flat;
    this.params.forEach((p, i) => {
      const s = f ? this.state[0] : this.state[i];
      const step = this.steps[i];
      if (!s || step === undefined) return;
      for (const [k, t] of Object.entries(s)) {
        out[`${i}.${k}`] = f ? t.narrow(0, f.spans[i]![0], f.spans[i]![1]).view(...p.shape) : t.detach();
      }
      out[`${i}.step`] = scalar(step, { dtype: 'float64' });
    });
    return out;
  }

  /** Restores state saved by stateDict (copies; `dict` stays the caller's). Checks everything before changing anything. */
  loadStateDict(dict: Record<string, Tensor>): void {
    const keyRe = new RegExp(`^(\\d+)\\.(${[...this.stateKeys, 'step'].join('|')})$`);
    for (const k of Object.keys(dict)) {
      const m = keyRe.exec(k);
      if (!m || Number(m[1]) >= this.params.length) throw new Error(`optimizer state has an unexpected entry '${k}'`);
    }
    const get = (i: number, k: string, p: Tensor): Tensor => {
      const t = dict[`${i}.${k}`];
      if (!t) throw new Error(`optimizer state is missing '${i}.${k}'`);
      if (t.shape.join() !== p.shape.join())
        throw new Error(`optimizer state '${i}.${k}' has shape [${t.shape}], parameter ${i} has [${p.shape}]`);
      return t;
    };
    const steps = this.params.map((_, i) => dict[`${i}.step`]?.item());
    this.params.forEach((p, i) => {
      if (steps[i] !== undefined) this.stateKeys.forEach((k) => get(i, k, p));
      else if (this.stateKeys.some((k) => dict[`${i}.${k}`])) throw new Error(`optimizer state is missing '${i}.step'`);
    });
    noGrad(() => {
      this.#disposeState();
      const f = this.#flat;
      if (f) {
        if (steps.every((s) => s === undefined)) return;
        this.state[0] = Object.fromEntries(
          this.stateKeys.map((k) => [
            k,
            keep(
              tidy(() =>
                cat(
                  this.params.map((p, i) =>
                    (steps[i] === undefined
                      ? zerosLike(p)
                      : get(i, k, p).to({ dtype: p.dtype, device: p.device })
                    ).reshape(-1),
                  ),
                ),
              ),
            ),
          ]),
        );
      } else {
        this.params.forEach((p, i) => {
          if (steps[i] === undefined) return;
          this.state[i] = Object.fromEntries(
            this.stateKeys.map((k) => [k, keep(get(i, k, p).to({ dtype: p.dtype, device: p.device }, { copy: true }))]),
          );
        });
      }
      steps.forEach((s, i) => {
        if (s !== undefined) this.steps[i] = s;
      });
    });
  }

  #disposeState(): void {
    for (const s of this.state) if (s) for (const t of Object.values(s)) t.dispose();
    this.state.length = 0;
    this.steps.length = 0;
  }

  /** Frees the state tensors (the parameters stay usable). */
  dispose(): void {
    this.#disposeState();
  }
}

function canFlatten(params: Tensor[]): boolean {
  const { dtype, device } = params[0]!;
  return params.every((p) => p.dtype === dtype && p.device === device && p.isFloatingPoint && !flattened.has(p));
}

/** Moves every parameter's data into one buffer and makes the parameter a view of it. */
function flatten(params: Tensor[]): FlatBuffers {
  return noGrad(() => {
    const spans: [number, number][] = [];
    let offset = 0;
    for (const p of params) {
      spans.push([offset, p.numel]);
      offset += p.numel;
    }
    const flat = keep(tidy(() => cat(params.map((p) => p.detach().reshape(-1)))));
    const grads = keep(zeros([offset], { dtype: params[0]!.dtype, device: params[0]!.device }));
    const gradPtrs = params.map((p, i) =>
      tidy(() => {
        const [off, n] = spans[i]!;
        callInplace('set_.source_Tensor', p.handle, flat.narrow(0, off, n).view(...p.shape).handle);
        const g = grads.narrow(0, off, n).view(...p.shape);
        const existing = p.grad; // a gradient computed before the optimizer existed is kept
        if (existing) g.copy_(existing);
        p.grad = g;
        flattened.add(p);
        return native.dataPtr(g.handle);
      }),
    );
    return { params: flat, grads, spans, gradPtrs };
  });
}
