/**
 * Charts in the page through Vega-Lite (vega-embed, bundled: no CDN). The training curves are
 * the very spec the command line renders to curves.png (src/viz/charts.ts).
 */
import embed, { type Result } from 'vega-embed';
import type { TopLevelSpec } from 'vega-lite';

export { curvePanels, curvesSpec, type CurvePanel } from '../../src/viz/charts.js';

const views = new WeakMap<HTMLElement, { finalize(): void }>();

/** Renders `spec` into `el` as SVG (so that tests and screenshots see real marks), replacing (and freeing) the chart it held. */
export async function showChart(el: HTMLElement, spec: TopLevelSpec): Promise<Result> {
  const result = await embed(el, spec, { renderer: 'svg', actions: false });
  views.get(el)?.finalize();
  views.set(el, result);
  return result;
}

/** One metric of several runs over epochs, a line per run. */
export function compareSpec(rows: { run: string; epoch: number; value: number }[], metric: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${metric} per epoch`,
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  };
}
