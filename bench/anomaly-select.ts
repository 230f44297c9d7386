/**
 * Choosing the one-class anomaly score on validation data, never on the test set. For each
 * candidate model and each class: train on 90% of that class's training images; validate on
 * the other 10% (normal) against 2,000 training images of the other classes (anomalous; the
 * model never saw them); report the validation AUROC of every score, and the test AUROC
 * beside it for the record. The candidate with the best mean validation AUROC is the one the
 * `anomaly` command uses by default.
 *
 *   node dist/bench/anomaly-select.js [candidate ...]   (runs in runs/select/)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../src/data/load.js';
import { ImageDataset } from '../src/data/dataset.js';
import { calibratedScores, complexityBits, fitComplexityLine, scoreDataset } from '../src/eval/anomaly.js';
import { auroc } from '../src/eval/ranking.js';
import { resolveConfig, type RunConfig } from '../src/train/config.js';
import { withOpenRun } from '../src/train/open-run.js';
import { unconditionalLatent } from '../src/workflow/anomaly.js';
import { prepareRun, splitValidation } from '../src/train/prepare.js';
import { tensor } from '../src/tensor/create.js';
import { shuffledIndices } from '../src/data/dataset.js';
import { machine } from './machine.js';
import { noGrad } from '../src/tensor/autograd.js';
import { tidy } from '../src/tensor/scope.js';
import type { Model } from '../src/models/model.js';
import { need } from '../src/models/capabilities.js';

const CANDIDATES: Record<string, Partial<RunConfig>> = {
  'mlp-dynamic': { model: 'vae-mlp', binarize: 'dynamic', epochs: 20 },
  'mlp-grey': { model: 'vae-mlp', binarize: 'none', epochs: 20 },
  'conv-dynamic': { model: 'vae-conv', binarize: 'dynamic', epochs: 20 },
  'conv-grey': { model: 'vae-conv', binarize: 'none', epochs: 20 },
};

const dataset = process.env.DATASET ?? 'mnist';
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CANDIDATES);
const full = await loadDataset({ dataset, split: 'train' });
const test = await loadDataset({ dataset, split: 'test' });
const testLabels = test.labels.toArray();

/** Per image, how the reconstruction at the code's mean differs from the grey image, relative to the ink: Dice dissimilarity and L1 over ink. */
function reconMetrics(model: Model, ds: ImageDataset): { dice: Float64Array; relL1: Float64Array } {
  const dice = new Float64Array(ds.length);
  const relL1 = new Float64Array(ds.length);
  model.eval();
  noGrad(() => {
    for (let i = 0; i < ds.length; i += 500) {
      tidy(() => {
        const x = ds.images
          .slice(0, i, Math.min(ds.length, i + 500))
          .float()
          .div(255);
        const r = need(model, 'decoder', 'reconstruction')
          .decode(need(model, 'encoder', 'reconstruction').encode(x).mu)
          .reshape(x.size(0), -1);
        const f = x.reshape(x.size(0), -1);
        dice.set(
          f
            .mul(r)
            .sum(1)
            .mul(-2)
            .div(f.sum(1).add(r.sum(1)))
            .add(1)
            .toArray(),
          i,
        );
        relL1.set(f.sub(r).abs().sum(1).div(f.sum(1)).toArray(), i);
      });
    }
  });
  return { dice, relL1 };
}

function subset(ds: ImageDataset, idx: number[]): ImageDataset {
  const images = ds.images.indexSelect(0, tensor(idx, { dtype: 'int64' }));
  const labels = ds.labels.indexSelect(0, tensor(idx, { dtype: 'int64' }));
  return new ImageDataset(ds.name, images, labels, ds.classNames);
}

for (const name of names) {
  const table: Record<string, { val: number[]; test: number[] }> = {};
  for (let c = 0; c < 10; c++) {
    const dir = join('runs', 'select', dataset, name, `normal-${c}`);
    const config = resolveConfig(
      {},
      { dataset, classes: [c], latent: 20, valFraction: 0.1, seed: 0, ...CANDIDATES[name] },
    );
    if (!existsSync(join(dir, 'model.safetensors'))) {
      const run = await prepareRun(config, dir, !existsSync(join(dir, 'config.json')));
      await run.trainer.fit();
      run.dispose();
    }
    const normals = full.filterClasses([c]);
    const [, heldOut] = splitValidation(config, normals);
    const labels = full.labels.toArray();
    const others = labels.flatMap((l, i) => (l === c ? [] : [i]));
    const order = shuffledIndices(others.length, 1);
    const anomalies = subset(
      full,
      Array.from(order.subarray(0, 2000), (j) => others[j]!),
    );
    await withOpenRun(dir, (open) => {
      const run = { model: unconditionalLatent(open) };
      for (const scoring of ['run', 'grey'] as const) {
        const opts = { k: 0, binarize: scoring === 'grey' ? ('none' as const) : config.binarize };
        const vn = scoreDataset(run.model, heldOut!, opts);
        const va = scoreDataset(run.model, anomalies, opts);
        const ts = scoreDataset(run.model, test, opts);
        const cx = { vn: complexityBits(heldOut!), va: complexityBits(anomalies), t: complexityBits(test) };
        const variants: Record<string, (s: 'vn' | 'va' | 't') => Float64Array> = {};
        for (const score of ['reconstruction', 'neg_elbo'] as const) {
          const pick = (s: 'vn' | 'va' | 't'): Float64Array => ({ vn, va, t: ts })[s][score]!;
          variants[`${score}`] = pick;
          for (const w of [0.5, 1])
            variants[`${score}-complexity*${w}`] = (s) => pick(s).map((v, i) => v - w * Math.LN2 * cx[s][i]!);
        }
        const rm = {
          vn: reconMetrics(run.model, heldOut!),
          va: reconMetrics(run.model, anomalies),
          t: reconMetrics(run.model, test),
        };
        variants['dice'] = (s) => rm[s].dice;
        variants['relative-l1'] = (s) => rm[s].relL1;
        // Residual of the score after a line fitted on held-out normal images only: score ~ a + b * complexity.
        for (const score of ['reconstruction', 'neg_elbo'] as const) {
          const pick = (s: 'vn' | 'va' | 't'): Float64Array => ({ vn, va, t: ts })[s][score]!;
          const line = fitComplexityLine(cx.vn, pick('vn'));
          variants[`${score}-residual`] = (s) => calibratedScores(pick(s), cx[s], line);
        }
        for (const [vname, get] of Object.entries(variants)) {
          const key = `${scoring}:${vname}`;
          table[key] ??= { val: [], test: [] };
          const vScores = Float64Array.from([...get('vn'), ...get('va')]);
          table[key].val.push(
            auroc(vScores, [
              ...Array<boolean>(heldOut!.length).fill(false),
              ...Array<boolean>(anomalies.length).fill(true),
            ]),
          );
          table[key].test.push(
            auroc(
              get('t'),
              testLabels.map((l) => l !== c),
            ),
          );
        }
      }
    });
    normals.dispose();
    heldOut!.dispose();
    anomalies.dispose();
    console.error(
      `${name} normal ${c}: ` +
        Object.entries(table)
          .map(([k, v]) => `${k} val ${v.val.at(-1)!.toFixed(4)} test ${v.test.at(-1)!.toFixed(4)}`)
          .join(' | '),
    );
  }
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  for (const [k, v] of Object.entries(table)) {
    console.log(
      JSON.stringify({
        name: 'anomaly-select',
        dataset,
        candidate: name,
        score: k,
        val_mean: mean(v.val),
        test_mean: mean(v.test),
        val: v.val,
        test: v.test,
        machine: machine(),
      }),
    );
  }
}
