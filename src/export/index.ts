/**
 * Exporting runs: `onnx` writes the decoder (a GAN's generator) and the encoder as ONNX models
 * (onnx.ts); `web` writes a folder with the latent explorer running in the browser on the ONNX
 * decoder (web-site.ts).
 */
import { join } from 'node:path';
import { withOpenRun } from '../train/open-run.js';
import { saveOnnx, runMetadata } from './onnx.js';
import { saveSite } from './web-site.js';

export * from './onnx.js';
export { saveSite, siteFiles, SITE_TEMPLATE } from './web-site.js';

/** The export formats: ONNX models, or the static web explorer. */
export const FORMATS = ['onnx', 'web'] as const;
/** One of {@link FORMATS}. */
export type ExportFormat = (typeof FORMATS)[number];

/** Exports a run directory (default `out`: <run>/onnx, or <run>/site for the web page); gives the paths written. */
export async function exportRun(dir: string, o: { format?: string; out?: string } = {}): Promise<string[]> {
  const format = o.format ?? 'onnx';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new Error(`unknown export format '${format}' (known: ${FORMATS.join(', ')})`);
  return withOpenRun(dir, async (run) =>
    format === 'web'
      ? saveSite(run, o.out ?? join(dir, 'site'))
      : saveOnnx(run.model, o.out ?? join(dir, 'onnx'), runMetadata(run)),
  );
}
