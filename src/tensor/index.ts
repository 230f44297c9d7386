/** The tensor engine: Tensor, creation, functionals, autograd, scopes, optimizers, safetensors. */
export {
  Tensor,
  Reduction,
  call,
  callMany,
  callInplace,
  schemaOf,
  type DType,
  type Device,
  type AnyTypedArray,
  type ReductionName,
} from './tensor.js';
export * from './create.js';
export * from './functional.js';
export { grad, noGrad, enableGrad, isGradEnabled, type GradOptions } from './autograd.js';
export { tidy, keep, disposeAll } from './scope.js';
export * from './runtime.js';
export * from './safetensors.js';
export { gradcheck, type GradcheckResult } from './gradcheck.js';
/** Optimizers with PyTorch's update rules: SGD, Adam, AdamW, RMSprop, Adadelta. */
export * as optim from './optim/index.js';
