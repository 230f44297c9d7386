/**
 * Ranking metrics for anomaly scores (higher = more anomalous, positives = anomalies):
 * the ROC curve, its area (AUROC, with ties counted half, i.e. the Mann-Whitney U statistic)
 * and average precision (the area under the precision-recall steps, as scikit-learn computes it).
 */

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

/** Scores sorted descending with their labels; tied scores are grouped so that a threshold never splits them. */
function sortedGroups(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
): { score: number; pos: number; neg: number }[] {
  if (scores.length !== positive.length) throw new RangeError(`${scores.length} scores but ${positive.length} labels`);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const groups: { score: number; pos: number; neg: number }[] = [];
  for (const i of idx) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new RangeError(`score ${i} is NaN`);
    const last = groups[groups.length - 1];
    if (last && last.score === s) {
      if (positive[i]) last.pos++;
      else last.neg++;
    } else {
      groups.push({ score: s, pos: positive[i] ? 1 : 0, neg: positive[i] ? 0 : 1 });
    }
  }
  return groups;
}

function counts(positive: ArrayLike<boolean>): { p: number; n: number } {
  let p = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) p++;
  const n = positive.length - p;
  if (p === 0 || n === 0) throw new RangeError(`need both classes to rank: ${p} positives, ${n} negatives`);
  return { p, n };
}

/** The ROC curve from (0, 0) to (1, 1), one point per distinct threshold. */
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>): RocPoint[] {
  const { p, n } = counts(positive);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (const g of sortedGroups(scores, positive)) {
    tp += g.pos;
    fp += g.neg;
    points.push({ threshold: g.score, fpr: fp / n, tpr: tp / p });
  }
  return points;
}

/** Area under the ROC curve (trapezoids, so ties count one half). */
export function auroc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const roc = rocCurve(scores, positive);
  let area = 0;
  for (let i = 1; i < roc.length; i++) area += ((roc[i]!.fpr - roc[i - 1]!.fpr) * (roc[i]!.tpr + roc[i - 1]!.tpr)) / 2;
  return area;
}

/** Average precision: sum over thresholds of (recall step) x precision. */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const { p } = counts(positive);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of sortedGroups(scores, positive)) {
    tp += g.pos;
    fp += g.neg;
    ap += (g.pos / p) * (tp / (tp + fp));
  }
  return ap;
}

/** The q-quantile (0..1) of values, linearly interpolated (numpy's default). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  if (!s.length) throw new RangeError('quantile of no values');
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Precision and recall of flagging scores above `threshold` as anomalies. */
export function precisionRecall(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
  threshold: number,
): { precision: number; recall: number; flagged: number } {
  let tp = 0;
  let fp = 0;
  let p = 0;
  for (let i = 0; i < scores.length; i++) {
    if (positive[i]) p++;
    if (scores[i]! > threshold) {
      if (positive[i]) tp++;
      else fp++;
    }
  }
  return { precision: tp + fp ? tp / (tp + fp) : 1, recall: p ? tp / p : 0, flagged: tp + fp };
}
