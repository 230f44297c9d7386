export * from './config.js';
export { klWeight, learningRate } from './schedules.js';
export { createOptimizer } from './optimizers.js';
export {
  trainStep,
  evalStep,
  evaluate,
  OptimizerPair,
  createObjective,
  type Objective,
  type TrainableOptimizer,
} from './objectives.js';
export {
  Trainer,
  NonFiniteLossError,
  type EpochRecord,
  type PassStats,
  type TrainerCallbacks,
  type TrainerData,
  type TrainResult,
} from './trainer.js';
export {
  FILES,
  listRuns,
  readConfig,
  readMetrics,
  loadCheckpoint,
  hasCheckpoint,
  type RunSummary,
  type TrainerState,
} from './run-dir.js';
export { prepareRun, type PreparedRun } from './prepare.js';
export { importRun, stateDictMismatches, type ImportedRun } from './import-run.js';
