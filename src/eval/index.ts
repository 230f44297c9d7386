/**
 * Numbers about a trained run, as `latentlab eval`, `anomaly` and `quality` compute them: the
 * test ELBO and importance-weighted NLL, total correlation, anomaly scores of any images, and
 * sample quality on a classifier's features.
 */
export { evaluateRun, type EvalOptions, type EvalResult } from './evaluate-run.js';
export { importanceWeightedNll, activeUnits, type ImportanceResult } from './likelihood.js';
export { totalCorrelation, codesTc, type TcResult, type TcOptions } from './total-correlation.js';
export {
  scoreDataset,
  judgeScores,
  SCORE_NAMES,
  type ScoreName,
  type Scores,
  type ScoreOptions,
  type ScoreReport,
} from './anomaly.js';
export { auroc, averagePrecision, rocCurve, precisionRecall, type RocPoint } from './ranking.js';
export { sampleQuality, type SampleQuality, type SampleQualityOptions } from './sample-quality.js';
export { frechetDistance, inceptionScore, classHistogram } from './fid.js';
export { loadOrTrainClassifier, FeatureClassifier } from './classifier.js';
