export * from './config.js';
export { learningRate } from './schedules.js';
export { klWeight } from '../models/common/kl-schedule.js';
export { createOptimizer, OptimizerGroup, stepContext } from './optimizers.js';
export { evaluate, accumulate, EVAL_SEED } from './validation.js';
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
export { prepareRun, buildModel, type PreparedRun, type PrepareOptions } from './prepare.js';
export { acquireRunLock, LOCK_FILE, RunLockedError, type LockHolder, type RunLock } from './run-lock.js';
export { importRun, stateDictMismatches, type ImportedRun } from './import-run.js';
export { openRun, withOpenRun, type OpenRun } from './open-run.js';
