/**
 * The step profiler of `train --profile N`: libtorch's autograd profiler over N training steps,
 * each step a named range ("step 1", ...) holding its phases (data, forward, backward, optimizer)
 * as ranges around the ATen operators they run, as torch.profiler with record_function shows a
 * PyTorch loop. A step marks its phases through PhaseMarks (markedStep here, the step context in
 * optimizers.ts); they cost nothing while no profiler listens. profile-report.ts turns the
 * recording into a Chrome trace and tables.
 */
import { native, type ProfilerRecord } from '../binding/native.js';
import type { Batch as LoaderBatch, BatchLoader } from '../data/loader.js';
import type { Model, StepContext, Sums } from '../models/model.js';
import { tidy } from '../tensor/scope.js';

/** The phases of a training step: making the batch, the model's own computation, gradients, updates. */
export const PHASES = ['data', 'forward', 'backward', 'optimizer'] as const;
/** One phase of a training step. */
export type Phase = (typeof PHASES)[number];

/** Where a step says which phase it is in: `enter` ends the phase in progress and begins another (the same one goes on); `leave` ends it. */
export interface PhaseMarks {
  enter(phase: Phase): void;
  leave(): void;
}

/** Marks that go nowhere. */
export const NO_PHASES: PhaseMarks = { enter: () => undefined, leave: () => undefined };

/** Phase marks passed on to a listener (the profiler) while there is one. */
export class PhaseSwitch implements PhaseMarks {
  listener: PhaseMarks | null = null;
  enter(phase: Phase): void {
    this.listener?.enter(phase);
  }
  leave(): void {
    this.listener?.leave();
  }
}

/**
 * One training step on batch `b` of `epoch` (0-based, of `numBatches` batches), as the trainer
 * and the profiler run it: the batch's tensors (data), then the model's step (forward, with the
 * backward and optimizer phases marked by the step context), its intermediate tensors freed after.
 */
export function markedStep(
  model: Model,
  ctx: StepContext,
  phases: PhaseMarks,
  b: LoaderBatch,
  epoch: number,
  numBatches: number,
): Sums {
  return tidy(() => {
    phases.enter('data');
    const { x, y } = b.load();
    phases.enter('forward');
    const t = epoch + b.index / numBatches;
    const sums = model.trainingStep({ x, y, t, iteration: epoch * numBatches + b.index }, ctx);
    phases.leave();
    return sums;
  });
}

/** The batches of one epoch after another, each epoch in its own order. */
export function* endlessBatches(loader: BatchLoader): Generator<{ b: LoaderBatch; epoch: number }> {
  for (let epoch = 0; ; epoch++) {
    const order = loader.plan();
    try {
      for (const b of loader.batches(order)) yield { b, epoch };
    } finally {
      order?.dispose();
    }
  }
}

/** Records training steps with libtorch's profiler, each step a range and its phases ranges inside it. */
export class StepProfiler implements PhaseMarks {
  #phase: Phase | null = null;
  #inStep = false;
  #stepsDone = 0;

  /** Starts the profiler: one at a time in a process. */
  constructor() {
    if (native.profilerRunning()) throw new Error('the profiler is already running');
    native.profilerStart();
  }

  /** Steps recorded so far. */
  get stepsDone(): number {
    return this.#stepsDone;
  }

  /** Opens the next step's range ("step 1", "step 2", ...). */
  beginStep(): void {
    native.profilerRangePush(`step ${this.#stepsDone + 1}`);
    this.#inStep = true;
  }

  enter(phase: Phase): void {
    if (!this.#inStep || this.#phase === phase) return;
    this.leave();
    native.profilerRangePush(phase);
    this.#phase = phase;
  }

  leave(): void {
    if (this.#phase === null) return;
    native.profilerRangePop();
    this.#phase = null;
  }

  /** Closes the step's range (and the phase in progress). */
  endStep(): void {
    this.leave();
    native.profilerRangePop();
    this.#inStep = false;
    this.#stepsDone++;
  }

  /** Stops the profiler (closing the ranges still open) and returns what it recorded. */
  stop(): ProfilerRecord {
    this.#phase = null;
    this.#inStep = false;
    return native.profilerStop();
  }
}
