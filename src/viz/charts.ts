/**
 * Vega-Lite specs for latentlab's plots: the latent map (encoded test means coloured by
 * label), training curves, and the KL/JS divergence figure of 1-D Gaussians.
 */
import type { MetricDeclaration } from '../util/metric-summary.js';
import { snakeCase } from '../util/names.js';
import type { TopLevelSpec as VegaLiteSpec } from 'vega-lite';

const CLASS_COLOURS = { scheme: 'tableau10' };

export function latentMapSpec(
  points: { x: number; y: number; label: string }[],
  title: string,
  axes: [string, string],
  classOrder?: string[],
): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 420,
    data: { values: points },
    mark: { type: 'circle', size: 9, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes[0], scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: axes[1], scale: { zero: false } },
      color: { field: 'label', type: 'nominal', title: 'class', scale: CLASS_COLOURS, sort: classOrder ?? null },
    },
    config: { legend: { symbolSize: 80 } },
  } as VegaLiteSpec;
}

/** One panel of the training curves: a metric (snake_case, as metrics.jsonl names it without its split) and its title. */
export interface CurvePanel {
  key: string;
  title: string;
}

const SPLITS: [string, string][] = [
  ['train', 'train'],
  ['test', 'test'],
  ['val', 'validation'],
];

/** The panels of a model's declared metrics (the shown ones, in their order). */
export function curvePanels(metrics: readonly MetricDeclaration[]): CurvePanel[] {
  return metrics
    .filter((m) => !m.hidden)
    .map((m) => ({ key: snakeCase(m.key), title: m.unit ? `${m.label} (${m.unit} per image)` : m.label }));
}

/** Without declarations (a run of a model this build does not know): a panel per metric found in the records. */
function panelsFromRecords(metrics: Record<string, number>[]): CurvePanel[] {
  const keys = new Set<string>();
  for (const m of metrics)
    for (const k of Object.keys(m)) {
      const match = /^(train|test|val)_(.+)$/.exec(k);
      if (match && match[2] !== 'loss') keys.add(match[2]!);
    }
  return [...keys].map((k) => ({ key: k, title: k.replace(/_/g, ' ') }));
}

/** Loss curves per epoch, one panel per metric, a line per split; the GAN class watch's coverage as a panel of its own. */
export function curvesSpec(metrics: Record<string, number>[], title: string, declared?: CurvePanel[]): VegaLiteSpec {
  const panels = declared?.length ? declared : panelsFromRecords(metrics);
  const rows: { epoch: number; quantity: string; split: string; value: number }[] = [];
  const all = [...panels];
  if (metrics.some((m) => m.classes_covered !== undefined))
    all.push({ key: 'classes_covered', title: 'classes in 1,000 samples' });
  for (const m of metrics) {
    for (const p of all) {
      const keys: [string, string][] =
        p.key === 'classes_covered'
          ? [['classes_covered', 'covered']]
          : SPLITS.map(([s, name]) => [`${s}_${p.key}`, name]);
      for (const [key, split] of keys) {
        const v = m[key];
        if (v !== undefined && Number.isFinite(v)) rows.push({ epoch: m.epoch!, quantity: p.title, split, value: v });
      }
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: rows },
    facet: { column: { field: 'quantity', type: 'nominal', title: null, sort: all.map((p) => p.title) } },
    resolve: { scale: { y: 'independent', color: 'independent' } },
    spec: {
      width: 220,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'split', type: 'nominal', title: null },
      },
    },
  };
}

export interface GaussianPair {
  p: { mu: number; sigma: number };
  q: { mu: number; sigma: number };
  kl: number;
  klReverse: number;
  js: number;
}

/** Densities of each pair, one panel per pair, with KL and JS in the panel titles. */
export function divergenceSpec(
  pairs: GaussianPair[],
  curves: { pair: string; x: number; density: number; which: string }[],
): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'KL and JS divergence between 1-D Gaussians',
    data: { values: curves },
    facet: {
      column: {
        field: 'pair',
        type: 'nominal',
        title: null,
        sort: pairs.map(label),
        header: { labelExpr: "split(datum.value, ' | ')", labelFontSize: 11 },
      },
    },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 220,
      height: 150,
      mark: 'line',
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'density', type: 'quantitative' },
        color: { field: 'which', type: 'nominal', title: null },
      },
    },
  };
}

export function label(g: GaussianPair): string {
  return `p = N(${g.p.mu}, ${g.p.sigma}²), q = N(${g.q.mu}, ${g.q.sigma}²) | KL(p‖q) = ${g.kl.toFixed(3)}, KL(q‖p) = ${g.klReverse.toFixed(3)} | JS = ${g.js.toFixed(3)} nats`;
}

/** ROC curves, one line per score, with the chance diagonal. */
export function rocSpec(
  curves: { score: string; auroc: number; points: { fpr: number; tpr: number }[] }[],
  title: string,
): VegaLiteSpec {
  const values = curves.flatMap((c) =>
    thin(c.points, 400).map((p) => ({ ...p, score: `${c.score} (AUROC ${c.auroc.toFixed(3)})` })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 360,
    height: 360,
    layer: [
      {
        data: {
          values: [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false positive rate', scale: { domain: [0, 1] } },
          y: { field: 'tpr', type: 'quantitative', title: 'true positive rate', scale: { domain: [0, 1] } },
          color: { field: 'score', type: 'nominal', title: null, legend: { labelLimit: 400, orient: 'bottom-right' } },
        },
      },
    ],
  };
}

/** Histograms of scores of normal and anomalous images, one panel per score, with the threshold. */
export function scoreHistogramSpec(
  rows: { score: string; value: number; kind: string }[],
  thresholds: { score: string; threshold: number }[],
  title: string,
): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    facet: { column: { field: 'score', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    data: { values: rows.map((r) => ({ ...r, threshold: thresholds.find((t) => t.score === r.score)?.threshold })) },
    spec: {
      width: 240,
      height: 170,
      layer: [
        {
          mark: { type: 'bar', opacity: 0.6, binSpacing: 0 },
          encoding: {
            x: { field: 'value', type: 'quantitative', bin: { maxbins: 50 }, title: 'score (nats)' },
            y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'images' },
            color: { field: 'kind', type: 'nominal', title: null },
          },
        },
        {
          mark: { type: 'rule', color: 'black', strokeDash: [3, 3] },
          encoding: { x: { aggregate: 'min', field: 'threshold', type: 'quantitative' } },
        },
      ],
    },
  };
}

function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out = Array.from({ length: max }, (_, i) => points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}
