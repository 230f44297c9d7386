export { trainStep, trainEpoch, evaluate, type EpochStats, type VaeLike } from './vae-loop.js';
