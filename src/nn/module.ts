/**
 * Module: the base of every layer and model, as torch.nn.Module. Parameters, buffers and
 * sub-modules are registered by name, so that `stateDict()` uses PyTorch's dotted names
 * ("encoder.0.weight") and checkpoints line up with PyTorch models.
 */
import { noGrad as withoutGrad } from '../tensor/autograd.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** Base class of layers and models: a tree of named parameters, buffers and sub-modules. */
export abstract class Module {
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #modules = new Map<string, Module>();

  /** Registers a trainable tensor; it survives tidy scopes and requires gradients. */
  protected param(name: string, t: Tensor): Tensor {
    keep(t);
    t.requiresGrad = true;
    this.#params.set(name, t);
    return t;
  }
  /** Registers a non-trainable state tensor (BatchNorm's running statistics). */
  protected buffer(name: string, t: Tensor): Tensor {
    keep(t);
    this.#buffers.set(name, t);
    return t;
  }
  /** Registers a sub-module under `name` (its tensors then appear as `name.<key>`). */
  protected module<M extends Module>(name: string, m: M): M {
    this.#modules.set(name, m);
    return m;
  }

  /** Trainable tensors with their dotted names, this module's first, then each child's. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#params].map(([k, t]) => [prefix + k, t]);
    for (const [k, m] of this.#modules) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }
  /** Every trainable tensor of this module and its sub-modules (what an optimizer gets). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  /** Non-trainable state tensors with their dotted names. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#buffers].map(([k, t]) => [prefix + k, t]);
    for (const [k, m] of this.#modules) out.push(...m.namedBuffers(`${prefix}${k}.`));
    return out;
  }
  /** This module (named by `prefix`, '' at the root) and every module below it. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [k, m] of this.#modules) out.push(...m.namedModules(`${prefix}${k}.`));
    return out;
  }
  /** The direct sub-modules, in registration order. */
  children(): Module[] {
    return [...this.#modules.values()];
  }
  /** Number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(prefix = ''): Record<string, Tensor> {
    // PyTorch's order: each module's parameters, then its buffers, then its children.
    const out: Record<string, Tensor> = {};
    for (const [k, t] of this.#params) out[prefix + k] = t;
    for (const [k, t] of this.#buffers) out[prefix + k] = t;
    for (const [k, m] of this.#modules) Object.assign(out, m.stateDict(`${prefix}${k}.`));
    return out;
  }

  /**
   * Copies tensors into this module's parameters and buffers. With `strict` (the default)
   * missing or unexpected names are an error; shapes must always match. Nothing is copied
   * unless every check passes.
   */
  loadStateDict(dict: Record<string, Tensor>, strict = true): void {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !(k in own));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `state dict does not match the model: ` +
          (missing.length ? `missing ${missing.join(', ')}` : '') +
          (missing.length && unexpected.length ? '; ' : '') +
          (unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''),
      );
    }
    for (const [k, t] of Object.entries(own)) {
      const src = dict[k];
      if (src && src.shape.join() !== t.shape.join()) {
        throw new Error(`state dict entry '${k}' has shape [${src.shape}], the model's is [${t.shape}]`);
      }
    }
    withoutGrad(() => {
      for (const [k, t] of Object.entries(own)) {
        const src = dict[k];
        if (src) t.copy_(src);
      }
    });
  }

  /** Sets training mode (dropout active, batch statistics) on this module and all below. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }
  /** Sets evaluation mode: same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.dispose();
  }
}

/** A module with a single-input forward pass, composable in Sequential. */
export abstract class Layer extends Module {
  /** Applies the layer to a batch. */
  abstract forward(x: Tensor): Tensor;
}
