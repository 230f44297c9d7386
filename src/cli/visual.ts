/**
 * The commands that draw a trained run: sample, decode, reconstruct, manifold, latent-map,
 * interpolate, traverse (and, from plots.ts, curves and divergence). Each checks its input
 * before drawing, writes PNG into the run directory unless --out says otherwise, and prints where.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randn, tensor } from '../tensor/create.js';
import { manualSeed } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { withOpenRun } from '../train/open-run.js';
import { saveImageGrid, saveLatentMap, saveManifold, saveTraversal, saveWalk } from '../viz/figures.js';
import { savePng } from '../viz/grid.js';
import { decodeLatents, encodeMeans, interpolateLatents, latentDimOf, sampleImages } from '../inference/latent.js';
import { reconstructionGrid } from '../viz/figures.js';
import { nonNegativeIntArg, positiveInt } from './parse.js';
import { plotCommands } from './plots.js';
import { checkLength, common, encodeTestImage, labelOption, parseVector, report, type Common } from './visual-args.js';
import { need } from '../models/capabilities.js';
import { samplerForRun } from '../inference/samplers/for-run.js';
import { addSamplerOptions, type SamplerFlags } from './sampler-options.js';

export function visualCommands(): Command[] {
  const sample = addSamplerOptions(
    common(
      new Command('sample').description(
        "a grid of samples from the model's prior (N(0, I) for most; VampPrior's mixture), or from a Gaussian or Gaussian mixture fitted to the training codes (--sampler)",
      ),
      'samples.png',
    ),
  )
    .addOption(new Option('--n <n>', 'how many').argParser(positiveInt).default(64))
    .addOption(
      new Option('--temperature <x>', "scale of the prior noise (a fitted sampler's spread about each component mean)")
        .argParser((v) => parseVector(v, '--temperature')[0]!)
        .default(1),
    )
    .addOption(new Option('--seed <n>', 'random seed').argParser(nonNegativeIntArg).default(0))
    .addOption(labelOption(false))
    .action(async (o: Common & SamplerFlags & { n: number; temperature: number; seed: number }) =>
      withOpenRun(o.run, async (r) => {
        const s = await samplerForRun(r, o.sampler, {
          ...(o.components !== undefined ? { components: o.components } : {}),
          onNote: (text) => console.error(text),
        });
        try {
          if (!o.json && o.sampler !== 'prior') console.error(`sampler: ${s.note}`);
          manualSeed(o.seed);
          const images = sampleImages(r.model, o.n, o.temperature, o.label ?? 'each', s.prior);
          const cols = r.model.numClasses && o.label === undefined ? r.model.numClasses : undefined;
          const path = await saveImageGrid(o.out ?? join(o.run, 'samples.png'), images, {
            scale: o.scale,
            ...(cols ? { cols } : {}),
          });
          images.dispose();
          report(o, [path], s.kind === 'prior' ? {} : { sampler: s.kind, components: s.components });
        } finally {
          s.dispose();
        }
      }),
    );

  const decode = common(new Command('decode').description('the image of latent vectors you give'), 'decoded.png')
    .option('--z <values...>', 'one or more latent vectors, e.g. --z 0.5,-1.2 --z 0,0')
    .option('--z-file <file>', 'a file with one latent vector per line (comma-separated)')
    .addOption(labelOption())
    .action(async (o: Common & { z?: string[]; zFile?: string }) => {
      const lines = [
        ...(o.z ?? []),
        ...(o.zFile
          ? readFileSync(o.zFile, 'utf8')
              .split('\n')
              .filter((l) => l.trim())
          : []),
      ];
      if (!lines.length) throw new Error('give latent vectors with --z or --z-file');
      const vectors = lines.map((l) => parseVector(l));
      await withOpenRun(o.run, async (r) => {
        vectors.forEach((v, i) => checkLength(v, latentDimOf(r.model), `latent vector ${i + 1} (${lines[i]})`));
        const images = tidy(() => decodeLatents(r.model, tensor(vectors), o.label));
        const path = await saveImageGrid(o.out ?? join(o.run, 'decoded.png'), images, { scale: o.scale });
        images.dispose();
        report(o, [path]);
      });
    });

  const reconstruct = common(
    new Command('reconstruct').description('test images (odd rows) above their reconstructions'),
    'reconstructions.png',
  )
    .addOption(new Option('--n <n>', 'how many test images').argParser(positiveInt).default(32))
    .addOption(new Option('--cols <n>', 'images per row').argParser(positiveInt).default(8))
    .action(async (o: Common & { n: number; cols: number }) =>
      withOpenRun(o.run, async (r) => {
        const model = r.model;
        need(model, 'encoder', 'reconstruct');
        const ds = await r.testSet();
        const n = Math.min(o.n, ds.length);
        const x = tidy(() => ds.images.slice(0, 0, n).float().div(255));
        const path = o.out ?? join(o.run, 'reconstructions.png');
        await savePng(
          path,
          reconstructionGrid(model, x, o.cols, {
            scale: o.scale,
            ...(model.numClasses ? { labels: ds.labels.slice(0, 0, n) } : {}),
          }),
        );
        x.dispose();
        report(o, [path]);
      }),
    );

  const manifold = common(
    new Command('manifold').description(
      "decoded grid over a 2-D latent plane (the Gaussian's inverse CDF, as in Kingma and Welling)",
    ),
    'manifold.png',
  )
    .addOption(new Option('--n <n>', 'points per side').argParser(positiveInt).default(20))
    .option('--dims <a,b>', 'for z > 2: the two dimensions to span (others held at 0)')
    .option('--pca', 'for z > 2: the plane of the two main principal directions of the test codes')
    .addOption(labelOption())
    .action(async (o: Common & { n: number; dims?: string; pca?: boolean }) =>
      withOpenRun(o.run, async (r) => {
        const dims = o.dims ? (parseVector(o.dims, '--dims') as [number, number]) : undefined;
        if (
          dims &&
          (dims.length !== 2 || dims.some((d) => !Number.isInteger(d) || d < 0 || d >= latentDimOf(r.model)))
        ) {
          throw new Error(`--dims needs two dimensions between 0 and ${latentDimOf(r.model) - 1}, got ${o.dims}`);
        }
        let codes: Tensor | undefined;
        if (o.pca) {
          const ds = await r.testSet();
          const model = r.model;
          need(model, 'encoder', '--pca');
          const n = Math.min(2000, ds.length);
          codes = tidy(() =>
            encodeMeans(
              model,
              ds.images.slice(0, 0, n).float().div(255),
              model.numClasses ? ds.labels.slice(0, 0, n) : undefined,
            ),
          );
        }
        const path = await saveManifold(o.out ?? join(o.run, 'manifold.png'), r.model, {
          n: o.n,
          scale: o.scale === 2 ? 1 : o.scale,
          ...(dims ? { dims } : {}),
          ...(codes ? { pcaOf: codes } : {}),
          ...(o.label !== undefined ? { label: o.label } : {}),
        });
        codes?.dispose();
        report(o, [path]);
      }),
    );

  const latentMap = new Command('latent-map')
    .description("the test set's encoded means as a scatter coloured by label (PCA for z > 2)")
    .requiredOption('--run <dir>', 'the run directory')
    .option('--out <base>', 'file name without extension (default: <run>/latent-map)')
    .addOption(new Option('--limit <n>', 'test images to encode').argParser(positiveInt).default(5000))
    .option('--json', 'print the files written as JSON')
    .action(async (o: { run: string; out?: string; limit: number; json?: boolean }) =>
      withOpenRun(o.run, async (r) => {
        need(r.model, 'encoder', 'latent-map');
        const files = await saveLatentMap(o.out ?? join(o.run, 'latent-map'), r.model, await r.testSet(), o.limit);
        report(o, [files.png, files.svg]);
      }),
    );

  const interpolate = common(
    new Command('interpolate').description(
      'a walk between two test images (by index) or two latent points: a PNG strip and an animated GIF',
    ),
    'interpolation.png/.gif',
  )
    .option('--from <index>', 'test image to start from')
    .option('--to <index>', 'test image to end at')
    .option('--from-z <values>', 'latent point to start from, e.g. -1,0')
    .option('--to-z <values>', 'latent point to end at')
    .addOption(new Option('--steps <n>', 'images in the walk').argParser(positiveInt).default(10))
    .addOption(
      new Option('--mode <mode>', 'linear or spherical (slerp)').choices(['linear', 'slerp']).default('linear'),
    )
    .addOption(labelOption())
    .action(
      async (
        o: Common & {
          from?: string;
          to?: string;
          fromZ?: string;
          toZ?: string;
          steps: number;
          mode: 'linear' | 'slerp';
        },
      ) =>
        withOpenRun(o.run, async (r) => {
          const end = async (index: string | undefined, z: string | undefined, which: string): Promise<Tensor> => {
            if (z !== undefined) {
              const v = parseVector(z, `--${which}-z`);
              checkLength(v, latentDimOf(r.model), `--${which}-z`);
              return tensor(v);
            }
            if (index === undefined) throw new Error(`give --${which} <test index> or --${which}-z <latent point>`);
            return encodeTestImage(
              r,
              nonNegativeIntArg(index),
              'interpolating between test images (use --from-z/--to-z)',
            );
          };
          const a = await end(o.from, o.fromZ, 'from');
          const b = await end(o.to, o.toZ, 'to');
          const images = tidy(() => decodeLatents(r.model, interpolateLatents(a, b, o.steps, o.mode), o.label));
          const base = (o.out ?? join(o.run, 'interpolation')).replace(/\.(png|gif)$/, '');
          const files = await saveWalk(base, images, { scale: o.scale });
          for (const t of [a, b, images]) t.dispose();
          report(o, [files.png, files.gif]);
        }),
    );

  const traverse = common(
    new Command('traverse').description(
      'each latent dimension swept while the others stay fixed, one row per dimension',
    ),
    'traversal.png',
  )
    .addOption(
      new Option('--index <n>', 'test image whose code is the starting point (default: the prior mean, 0)').argParser(
        nonNegativeIntArg,
      ),
    )
    .addOption(
      new Option('--range <x>', 'sweep from -x to +x').argParser((v) => parseVector(v, '--range')[0]!).default(3),
    )
    .addOption(new Option('--steps <n>', 'values per dimension').argParser(positiveInt).default(9))
    .option('--dims <list>', 'only these dimensions, e.g. 0,3,5')
    .addOption(labelOption())
    .action(async (o: Common & { index?: number; range: number; steps: number; dims?: string }) =>
      withOpenRun(o.run, async (r) => {
        const d = latentDimOf(r.model);
        const dims = o.dims ? parseVector(o.dims, '--dims') : undefined;
        if (dims?.some((k) => !Number.isInteger(k) || k < 0 || k >= d))
          throw new Error(`--dims: dimensions are 0 to ${d - 1}, got ${o.dims}`);
        let z0: Tensor;
        if (o.index !== undefined) {
          z0 = await encodeTestImage(r, o.index, 'traversing from a test image (--index)');
        } else {
          z0 = tidy(() => randn([d]).mul(0));
        }
        const path = await saveTraversal(o.out ?? join(o.run, 'traversal.png'), r.model, z0, {
          range: o.range,
          steps: o.steps,
          scale: o.scale,
          ...(dims ? { dims } : {}),
          ...(o.label !== undefined ? { label: o.label } : {}),
        });
        z0.dispose();
        report(o, [path]);
      }),
    );

  return [sample, decode, reconstruct, manifold, latentMap, interpolate, traverse, ...plotCommands()];
}
