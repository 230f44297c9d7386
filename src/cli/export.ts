/**
 * `latentlab export`: a run's decoder (a GAN's generator) and encoder as ONNX models, for
 * onnxruntime and any other ONNX runtime, or a static web page exploring the model in the
 * browser. The library does the work (src/export/).
 */
import { Command, Option } from 'commander';
import { dirname } from 'node:path';
import { exportRun, FORMATS, OPSET } from '../export/index.js';

const HELP = `
Files (in --out, default <run>/onnx/; opset ${OPSET}, the batch dimension is dynamic):
  decoder.onnx  z [batch, latent] float32 -> image [batch, C, H, W] float32 in [0, 1]
                (a GAN's generator; cgan and cvae also take label [batch] int64)
  encoder.onnx  x [batch, C, H, W] float32 in [0, 1] -> mu [batch, latent], and logvar for VAEs
                (autoencoders and VAEs only)
Each file's metadata_props hold the model, latent size, image shape, likelihood, dataset,
class names and latentlab version.

--format web writes a folder (default <run>/site/) with index.html, decoder.onnx, site.json
(the latent map and its test images) and the bundle with onnxruntime-web: the latent explorer
running in the browser, offline. Serve it with any static file server, e.g.
  python3 -m http.server -d runs/mnist-z2/site 8000   # then open http://127.0.0.1:8000

Examples:
  latentlab export --run runs/mnist-z2 --format onnx --out exported/
  latentlab export --run runs/mnist-z2 --format web --out site/`;

export function exportCommand(): Command {
  return new Command('export')
    .description("a run's decoder (or GAN generator) and encoder as ONNX models, or a self-contained explorer web page")
    .requiredOption('--run <dir>', 'the run directory')
    .addOption(new Option('--format <format>', 'file format').choices([...FORMATS]).default('onnx'))
    .option('--out <dir>', 'folder for the files (default: <run>/onnx, or <run>/site for --format web)')
    .option('--json', 'print the files written as JSON')
    .addHelpText('after', HELP)
    .action(async (o: { run: string; format: string; out?: string; json?: boolean }) => {
      const files = await exportRun(o.run, { format: o.format, ...(o.out ? { out: o.out } : {}) });
      if (o.json) return console.log(JSON.stringify({ files, format: o.format, opset: OPSET }));
      console.log(files.map((f) => `wrote ${f}`).join('\n'));
      if (o.format === 'web')
        console.log(
          `open it through any static file server, e.g.: python3 -m http.server -d ${dirname(files.find((f) => f.endsWith('index.html'))!)} 8000`,
        );
    });
}
