/**
 * Plots through a grammar of graphics: a Vega-Lite spec is compiled and rendered to SVG by
 * Vega (headless, no browser), then to PNG by resvg. Both files are written atomically.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { writeFileAtomic } from '../util/fs.js';

/** A Vega-Lite top-level specification. */
export type VegaLiteSpec = vl.TopLevelSpec;

/** Renders a Vega-Lite spec to SVG text, headless. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG to PNG bytes on white, `scale` times its size. */
export function svgToPng(svg: string, scale = 2): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true } })
    .render()
    .asPng();
}

/** Writes `<base>.svg` and `<base>.png`; returns their paths. */
export async function savePlot(base: string, spec: VegaLiteSpec): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, svgToPng(svg));
  return { svg: `${base}.svg`, png: `${base}.png` };
}
