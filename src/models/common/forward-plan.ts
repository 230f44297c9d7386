/**
 * A model's decode or encode written down as data, for exporters: the registered modules it
 * runs (by dotted name) and the few primitive operations between them. Each model lists its
 * steps beside the forward code they describe; the ONNX exporter (src/export/) translates
 * them, and checks on an example batch that they compute what decode()/encode() compute, so
 * a plan that drifts from its code is an error at export, never a wrong file.
 */

/**
 * One step. It reads the value named `from` (default: the previous step's, at first the
 * plan's input) and may name its result `as`. Operations, as latentlab's tensor methods:
 *   module          a registered sub-module's forward (a Layer), e.g. 'dec' or 'enc.0'
 *   relu, sigmoid, softplus, log   elementwise
 *   add, mul        by a scalar
 *   reshape         to [B, ...shape] (the batch dimension kept; one entry may be -1)
 *   label           appends the one-hot class labels: [B, F] -> [B, F + K] (conditional models)
 */
export type PlanStep = (
  | { module: string }
  | { op: 'relu' | 'sigmoid' | 'softplus' | 'log' | 'label' }
  | { op: 'add' | 'mul'; value: number }
  | { op: 'reshape'; shape: number[] }
) & { from?: string; as?: string };

export interface ForwardPlan {
  /** The plan's input: latent vectors z [B, latent] or images x [B, C, H, W] in [0, 1]; conditional models also take labels [B]. */
  input: 'z' | 'x';
  steps: PlanStep[];
  /** Output name -> the value it is (a step's `as`). */
  outputs: Record<string, string>;
}

/** The one-hot label step of conditional models; none for unconditional ones. */
export function labelSteps(numClasses: number): PlanStep[] {
  return numClasses ? [{ op: 'label' }] : [];
}

/** `steps` reading `from` and naming their result `as` (an empty list stays empty). */
export function chain(steps: PlanStep[], from: string | undefined, as: string): PlanStep[] {
  if (!steps.length) return [];
  const out = steps.map((s) => ({ ...s }));
  if (from !== undefined) out[0]!.from = from;
  out[out.length - 1]!.as = as;
  return out;
}
