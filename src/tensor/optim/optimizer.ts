/**
 * The optimizer base: parameters, a learning rate that may change between steps, and
 * per-parameter state tensors that save to and load from a flat record exactly (so that a
 * resumed run takes the same next step). Updates follow PyTorch 1.13's single-tensor code.
 */
import { noGrad } from '../autograd.js';
import { keep, tidy } from '../scope.js';
import { scalar, zerosLike } from '../create.js';
import type { Tensor } from '../tensor.js';

export type OptimizerState = Record<string, Tensor>;

export abstract class Optimizer {
  /** Per-parameter state, by index into `params` (lazily made on the first step). */
  protected readonly state: (OptimizerState | undefined)[] = [];
  protected readonly steps: number[] = [];

  constructor(
    readonly params: Tensor[],
    public lr: number,
  ) {
    if (!(lr >= 0)) throw new RangeError(`learning rate must be >= 0, got ${lr}`);
  }

  /** The names of the state tensors an update keeps per parameter. */
  protected abstract readonly stateKeys: readonly string[];

  /** Updates parameter `p` in place given its gradient; called without autograd. */
  protected abstract update(p: Tensor, grad: Tensor, s: OptimizerState, step: number): void;

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    noGrad(() =>
      tidy(() => {
        this.params.forEach((p, i) => {
          const g = p.grad;
          if (!g) return;
          const s = (this.state[i] ??= Object.fromEntries(this.stateKeys.map((k) => [k, keep(zerosLike(p))])));
          this.steps[i] = (this.steps[i] ?? 0) + 1;
          this.update(p, g, s, this.steps[i]!);
        });
      }),
    );
  }

  /** Clears every gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** State as named tensors ("3.exp_avg", "3.step"); the hyper-parameters live in the config. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    this.state.forEach((s, i) => {
      if (!s) return;
      for (const [k, t] of Object.entries(s)) out[`${i}.${k}`] = t;
      out[`${i}.step`] = scalar(this.steps[i]!, { dtype: 'float64' });
    });
    return out;
  }

  /** Restores state saved by stateDict (copies; `dict` stays the caller's). */
  loadStateDict(dict: Record<string, Tensor>): void {
    this.params.forEach((p, i) => {
      const stepT = dict[`${i}.step`];
      if (!stepT) return;
      const s: OptimizerState = {};
      for (const k of this.stateKeys) {
        const t = dict[`${i}.${k}`];
        if (!t) throw new Error(`optimizer state is missing '${i}.${k}'`);
        if (t.shape.join() !== p.shape.join()) {
          throw new Error(`optimizer state '${i}.${k}' has shape [${t.shape}], parameter ${i} has [${p.shape}]`);
        }
        s[k] = keep(t.to({ dtype: p.dtype, device: p.device }, { copy: true }));
      }
      for (const t of Object.values(this.state[i] ?? {})) t.dispose();
      this.state[i] = s;
      this.steps[i] = stepT.item();
    });
  }

  /** Frees the state tensors. */
  dispose(): void {
    for (const s of this.state) if (s) for (const t of Object.values(s)) t.dispose();
    this.state.length = 0;
  }
}
