/**
 * Score images for anomalies with a trained run: how badly the model explains each image.
 * Trained on normal images only (here: sevens), the images it explains worst are the unusual ones.
 *
 *   node --import tsx examples/anomaly-scores.ts [--run DIR] [--folder DIR] [--top N] [--k N] [--out DIR]
 *
 * --folder: PNGs of the run's image size (28x28 for MNIST); without it, the first 1,000 MNIST test digits.
 * Without --run a VAE is first trained on the sevens (--limit N images, default all; --epochs N, default 10).
 * Tiny (as npm test runs it): --run DIR --folder DIR --k 8, or without --run: --limit 256 --epochs 1.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { data, evaluation, tensor, tidy, train, viz, workflow } from 'latentlab';

const { values: args } = parseArgs({
  options: {
    run: { type: 'string' },
    folder: { type: 'string' },
    top: { type: 'string', default: '10' },
    k: { type: 'string', default: '100' }, // importance samples for the iw_nll score
    limit: { type: 'string' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'runs/examples/anomaly-scores' },
  },
});

let runDir = args.run;
if (!runDir) {
  runDir = join(args.out, 'run');
  rmSync(runDir, { recursive: true, force: true });
  const flags = { model: 'vae-mlp', classes: [7], epochs: Number(args.epochs), limit: Number(args.limit) || null };
  await workflow.trainRun(train.resolveConfig({}, flags), runDir, { pictures: false });
}

/** PNGs of the run's image size as a dataset of grey levels (colour is averaged over R, G, B). */
async function loadPngs(dir: string, files: string[], h: number, w: number): Promise<data.ImageDataset> {
  const pixels = new Uint8Array(files.length * h * w);
  for (const [i, file] of files.entries()) {
    const img = await viz.decodePng(join(dir, file)); // interleaved: H x W x channels
    if (img.height !== h || img.width !== w) throw new Error(`${file}: ${img.width}x${img.height}, not ${w}x${h}`);
    const rgb = Math.min(img.channels, 3); // an alpha channel is left out
    for (let p = 0; p < h * w; p++) {
      let sum = 0;
      for (let ch = 0; ch < rgb; ch++) sum += img.data[p * img.channels + ch]!;
      pixels[i * h * w + p] = Math.round(sum / rgb);
    }
  }
  const labels = files.map(() => 0); // unknown: one class for all
  return data.ImageDataset.fromArrays({ name: 'pngs', pixels, labels, shape: [1, h, w], classNames: ['?'] });
}

const run = await train.openRun(runDir);
const [channels, h, w] = run.imageShape;
if (channels !== 1) throw new Error('this example reads grey images (as MNIST has); the run is in colour');
let names: string[];
let ds: data.ImageDataset;
if (args.folder) {
  names = readdirSync(args.folder).filter((f) => f.toLowerCase().endsWith('.png'));
  ds = await loadPngs(args.folder, names, h, w);
} else {
  ds = await data.loadDataset({ dataset: 'mnist', split: 'test', limit: 1000 });
  names = ds.labels.toArray().map((label, i) => `test image ${i} (a ${label})`);
}

// Per image, higher = more anomalous: reconstruction error (-log p(x|z) at q's mean), -ELBO, and
// the importance-weighted NLL (an estimate of -log p(x)), binarized as the run was trained.
const scores = evaluation.scoreDataset(run.model, ds, { k: Number(args.k), binarize: run.config.binarize });
const by = scores.iw_nll ?? scores.reconstruction!;
const order = names.map((_, i) => i).sort((a, b) => by[b]! - by[a]!);
const top = order.slice(0, Number(args.top));
console.log(`the ${top.length} most anomalous of ${names.length} images:`);
for (const i of top) {
  const cols = Object.entries(scores).map(([score, v]) => `${score} ${v[i]!.toFixed(2)}`);
  console.log(`${names[i]}: ${cols.join(', ')}`);
}
// The same images in one picture, most anomalous first (pixels uint8 -> floats in [0, 1]).
const worst = tidy(() => ds.images.indexSelect(0, tensor(top, { dtype: 'int64' })).div(255));
console.log(`picture: ${await viz.saveImageGrid(join(args.out, 'most-anomalous.png'), worst, { scale: 2 })}`);
worst.dispose();
ds.dispose();
run.dispose();
