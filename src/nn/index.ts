/** Neural-network layers with PyTorch's names, defaults and initialisations. */
export { Module, Layer } from './module.js';
export { Linear } from './linear.js';
export { Sequential } from './container.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, Softplus } from './activation.js';
export * as init from './init.js';
