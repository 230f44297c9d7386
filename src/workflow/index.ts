export { trainRun, type TrainRunOptions, type TrainRunResult } from './train-run.js';
