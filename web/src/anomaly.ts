/**
 * The anomaly view of a run trained on one class (`latentlab anomaly`): each score's AUROC,
 * average precision and fitted threshold; the histogram of normal and anomalous test images'
 * scores with a threshold you can move, and the precision and recall it would give; the most
 * and least anomalous test images.
 */
import type { TopLevelSpec } from 'vega-lite';
import { precisionRecall } from '../../src/eval/ranking.js';
import { api } from './api.js';
import { showChart } from './charts.js';
import { fmt, h } from './dom.js';

function histogramSpec(values: { value: number; kind: string }[], threshold: number, score: string): TopLevelSpec {
  const xs = values.map((v) => v.value);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${score}: normal and anomalous test images`,
    width: 560,
    height: 260,
    // rounded: the slider prints its value as it is
    params: [
      {
        name: 'threshold',
        value: Math.round(threshold * 100) / 100,
        bind: { input: 'range', min: lo, max: hi, step: Number(((hi - lo) / 500).toPrecision(2)), name: 'threshold ' },
      },
    ],
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.6 },
        encoding: {
          x: { field: 'value', type: 'quantitative', bin: { maxbins: 80 }, title: 'score (higher: more anomalous)' },
          y: { aggregate: 'count', type: 'quantitative', stack: null, title: 'images' },
          color: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: ['normal', 'anomalous'], range: ['#4c78a8', '#e45756'] },
            title: null,
          },
        },
      },
      {
        mark: { type: 'rule', strokeDash: [5, 3], color: '#111' },
        encoding: { x: { datum: { expr: 'threshold' }, type: 'quantitative' } },
      },
    ],
  };
}

export async function anomalyView(name: string): Promise<HTMLElement> {
  const run = await api.run(name);
  const a = run.anomaly;
  if (!a) {
    const cmd = `latentlab anomaly --run ${name}`;
    return h(
      'section',
      {},
      h('h2', {}, `Anomaly scores of ${name}`),
      h(
        'p',
        {},
        'This run has no anomaly analysis yet. For a run trained on one class (--classes 7), run: ',
        h('code', {}, cmd),
      ),
    );
  }
  const table = h(
    'table',
    { class: 'settings', 'data-testid': 'anomaly-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['score', 'AUROC', 'average precision', 'threshold', 'precision', 'recall'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...a.scores.map((s) =>
        h(
          'tr',
          {},
          h('td', {}, s.score === a.primary ? `${s.score} (default)` : s.score),
          h('td', {}, fmt(s.auroc, 4)),
          h('td', {}, fmt(s.average_precision, 4)),
          h('td', {}, fmt(s.threshold, 2)),
          h('td', {}, fmt(s.precision, 3)),
          h('td', {}, fmt(s.recall, 3)),
        ),
      ),
    ),
  );
  const chart = h('div', { class: 'chart', 'data-testid': 'anomaly-histogram' });
  const readout = h('p', { class: 'status', 'data-testid': 'anomaly-readout' });
  const scoreSelect = h(
    'select',
    {},
    ...a.scores.map((s) => h('option', { value: s.score, selected: s.score === a.primary }, s.score)),
  );
  const per = await api.anomalyScores(name).catch(() => null);
  const draw = async (score: string): Promise<void> => {
    if (!per?.scores[score]) {
      chart.replaceChildren(h('img', { src: api.fileUrl(name, 'anomaly-histogram.png'), alt: 'score histograms' }));
      return;
    }
    const values = per.scores[score].map((value, i) => ({
      value,
      kind: a.normal.includes(per.labels[i]!) ? 'normal' : 'anomalous',
    }));
    const fitted = a.scores.find((s) => s.score === score)!.threshold;
    const scores = values.map((v) => v.value);
    const positive = values.map((v) => v.kind === 'anomalous');
    const result = await showChart(chart, histogramSpec(values, fitted, score));
    const judge = (t: number): void => {
      const r = precisionRecall(scores, positive, t); // as the table above computes them
      readout.textContent = `threshold ${t.toFixed(2)}${Math.abs(t - fitted) < 0.005 ? ' (fitted: the 95th percentile of held-out normal images)' : ''}: ${r.flagged} flagged, precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)}`;
    };
    judge(fitted);
    result.view.addSignalListener('threshold', (_n, v) => judge(Number(v)));
  };
  scoreSelect.addEventListener('change', () => void draw(scoreSelect.value));
  void draw(a.primary);
  const images = (file: string, caption: string): HTMLElement =>
    h('figure', {}, h('img', { src: api.fileUrl(name, file), alt: caption }), h('figcaption', {}, caption));
  return h(
    'section',
    {},
    h('h2', {}, `Anomaly scores of ${name}`),
    h(
      'p',
      {},
      `Trained on ${String(run.config.dataset)} class ${a.normal.join(', ')} only; ${a.anomalous_images} of ${a.test_images} test images are anomalies.`,
    ),
    table,
    h('h3', {}, 'Score histogram'),
    h('div', {}, h('label', {}, 'score ', scoreSelect)),
    chart,
    readout,
    h(
      'div',
      { class: 'gallery' },
      images('most-anomalous.png', 'the 32 most anomalous test images'),
      images('least-anomalous.png', 'the 32 least anomalous'),
    ),
  );
}
