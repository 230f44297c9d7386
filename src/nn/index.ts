/** Neural-network layers with PyTorch's names, defaults and initialisations. */
export { Module, Layer } from './module.js';
export { Linear } from './linear.js';
export { Sequential } from './container.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, Softplus } from './activation.js';
/** PyTorch's default weight initialisations (kaiming_uniform_ and friends). */
export * as init from './init.js';
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './conv.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { Dropout } from './dropout.js';
export { MaxPool2d, AvgPool2d, Upsample, type Pool2dOptions, type UpsampleOptions } from './pooling.js';
export { Flatten, Unflatten, Reshape } from './reshape.js';
export { MaskedConv2d, pixelCnnMask, verticalStackMask, horizontalStackMask, type MaskType } from './masked-conv.js';
