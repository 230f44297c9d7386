/**
 * Optimizers by name, with the run configuration's settings, one per parameter group of the
 * model (a VAE has one group, a GAN two: generator and discriminator). The group is saved,
 * loaded and scheduled as one: its state keys carry the group's name as a prefix, except when
 * the model has a single group (so checkpoints of one-optimizer models stay as they were).
 */
import { grad } from '../tensor/autograd.js';
import { Adadelta } from '../tensor/optim/adadelta.js';
import { Adam, AdamW } from '../tensor/optim/adam.js';
import type { Optimizer } from '../tensor/optim/optimizer.js';
import { RMSprop } from '../tensor/optim/rmsprop.js';
import { SGD } from '../tensor/optim/sgd.js';
import { disposeAll, tidy } from '../tensor/scope.js';
import type { StepContext } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { adamBetas, effectiveLr, type CommonConfig } from './config.js';
import { NO_PHASES, type PhaseMarks } from './profile.js';

type OptimizerSettings = Pick<CommonConfig, 'optimizer' | 'lr' | 'weightDecay' | 'momentum' | 'beta1' | 'beta2'> &
  Partial<Pick<CommonConfig, 'fusedOptimizer'>>;

/**
 * The optimizer the settings name ('adam', 'adamw', 'sgd', 'rmsprop', 'adadelta') over `params`,
 * with their lr, betas, momentum and weight decay, and the fused native step unless
 * `fusedOptimizer` is false (the same updates and state; adadelta has no fused step).
 */
export function createOptimizer(c: OptimizerSettings, params: Tensor[]): Optimizer {
  const lr = effectiveLr(c);
  const betas = adamBetas(c);
  const weightDecay = c.weightDecay;
  const fused = c.fusedOptimizer ?? true;
  switch (c.optimizer) {
    case 'adam':
      return new Adam(params, { lr, betas, weightDecay, fused });
    case 'adamw':
      return new AdamW(params, { lr, betas, weightDecay, fused });
    case 'sgd':
      return new SGD(params, { lr, momentum: c.momentum, weightDecay, fused });
    case 'rmsprop':
      return new RMSprop(params, { lr, momentum: c.momentum, weightDecay, fused });
    case 'adadelta':
      return new Adadelta(params, { lr, weightDecay, fused });
  }
}

/** One optimizer per named parameter group, saved and scheduled together. */
export class OptimizerGroup {
  constructor(readonly optimizers: Readonly<Record<string, Optimizer>>) {
    if (!Object.keys(optimizers).length) throw new Error('a model needs at least one parameter group');
  }

  /** One optimizer of the settings' kind for each parameter group, e.g. { generator, discriminator }. */
  static create(c: OptimizerSettings, groups: Record<string, Tensor[]>): OptimizerGroup {
    return new OptimizerGroup(Object.fromEntries(Object.entries(groups).map(([k, p]) => [k, createOptimizer(c, p)])));
  }

  /** The named group's optimizer; an error names the groups there are. */
  get(name: string): Optimizer {
    const o = this.optimizers[name];
    if (!o) throw new Error(`no parameter group '${name}' (the model has: ${Object.keys(this.optimizers).join(', ')})`);
    return o;
  }

  get lr(): number {
    return Object.values(this.optimizers)[0]!.lr;
  }

  set lr(v: number) {
    for (const o of Object.values(this.optimizers)) o.lr = v;
  }

  get #single(): boolean {
    return Object.keys(this.optimizers).length === 1;
  }

  /** Every optimizer's state, keys prefixed '<group>.' (no prefix when there is a single group). */
  stateDict(): Record<string, Tensor> {
    if (this.#single) return Object.values(this.optimizers)[0]!.stateDict();
    return Object.fromEntries(
      Object.entries(this.optimizers).flatMap(([p, o]) =>
        Object.entries(o.stateDict()).map(([k, v]) => [`${p}.${k}`, v]),
      ),
    );
  }

  /** Loads every group's state, or none: a bad part restores the groups loaded before it. */
  loadStateDict(dict: Record<string, Tensor>): void {
    if (this.#single) return Object.values(this.optimizers)[0]!.loadStateDict(dict);
    const names = Object.keys(this.optimizers);
    const stray = Object.keys(dict).find((k) => !names.some((n) => k.startsWith(`${n}.`)));
    if (stray)
      throw new Error(
        `optimizer state key '${stray}' belongs to none of the parameter groups (${names.join(', ')}): the checkpoint is from another model`,
      );
    const part = (p: string): Record<string, Tensor> =>
      Object.fromEntries(
        Object.entries(dict).flatMap(([k, v]) => (k.startsWith(`${p}.`) ? [[k.slice(p.length + 1), v]] : [])),
      );
    const loaded: [Optimizer, Record<string, Tensor>][] = [];
    try {
      for (const [name, o] of Object.entries(this.optimizers)) {
        const before = tidy(() => Object.fromEntries(Object.entries(o.stateDict()).map(([k, v]) => [k, v.clone()])));
        loaded.push([o, before]);
        o.loadStateDict(part(name));
      }
    } catch (e) {
      for (const [o, before] of loaded) o.loadStateDict(before);
      throw e;
    } finally {
      for (const [, before] of loaded) disposeAll(before);
    }
  }

  /** Frees every optimizer's state. */
  dispose(): void {
    for (const o of Object.values(this.optimizers)) o.dispose();
  }
}

/**
 * The step context of plain training: zero_grad(), backward, step() of the named group. The
 * trainer's one place for every update; data-parallel training or gradient clipping go here.
 * `stepEach` takes each group's gradient of its own loss with autograd.grad (keeping the graph
 * for all but the last), and only then assigns them and steps: an update before the last
 * gradient would change weights the graph still needs. `phases` hears where each update's
 * phases begin (the profiler's ranges): zero_grad and step are the optimizer's, the gradients
 * backward, and what the model does after an update is forward again.
 */
export function stepContext(optimizers: OptimizerGroup, phases: PhaseMarks = NO_PHASES): StepContext {
  return {
    step: (group, loss) => {
      const o = optimizers.get(group);
      phases.enter('optimizer');
      o.zeroGrad();
      phases.enter('backward');
      loss.backward();
      phases.enter('optimizer');
      o.step();
      phases.enter('forward');
    },
    stepEach: (losses) => {
      const entries = Object.entries(losses).map(([g, loss]) => [optimizers.get(g), loss] as const);
      phases.enter('backward');
      const grads = entries.map(([o, loss], i) =>
        grad(loss, o.params, { retainGraph: i < entries.length - 1, allowUnused: true }),
      );
      phases.enter('optimizer');
      entries.forEach(([o], i) => {
        o.zeroGrad();
        o.params.forEach((p, j) => {
          const g = grads[i]![j];
          if (g) p.grad = g;
        });
        o.step();
      });
      phases.enter('forward');
    },
  };
}
