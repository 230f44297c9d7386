/**
 * Beyond the Gaussian prior (after the beta section). The z=20 MLP VAE beside a plain autoencoder, WAE-MMD
 * (Tolstikhin et al. 2018), RAE (Ghosh et al. 2020), beta-TCVAE (Chen et al. 2018), FactorVAE
 * (Kim and Mnih 2018) and VQ-VAE with its PixelCNN prior (van den Oord et al. 2017), all trained
 * for the same epochs: each one's test reconstruction, negative ELBO and total correlation of
 * the codes (`latentlab eval`), and the sample quality of each sampler it has (`latentlab
 * quality --sampler`): its own prior and, for flat codes, densities fitted to its training codes.
 */
import { join } from 'node:path';
import type { SampleQuality } from '../eval/sample-quality.js';
import type { SamplerKind } from '../inference/samplers/mixture.js';
import type { RunConfig } from '../train/config.js';
import { readMetrics } from '../train/run-dir.js';
import type { ExperimentPlan } from './plan.js';
import { runSpec, shellWord, type RunSpec } from './runs.js';
import { drawSamples, qualityScorer, samplerQuality, type QualityScorer } from './sampler-quality.js';
import { evalRun, figure, key, runArg, runDir, type Section, type SectionContext } from './section.js';
import type { FigureEntry, NumberEntry } from './types.js';
import { drawCodes, drawTcCurve } from './latent-family-figures.js';
import { Z20, vaeMlpZ20 } from './vae-mlp.js';
import { ensureVqPrior } from './vq-prior.js';

const DIR = 'latent-family';
const VAE = 'vae-mlp';

interface Member {
  model: RunConfig['model'];
  title: string;
  samplers: SamplerKind[];
}

/** The models compared, in the table's order; the shown sizes are each model's defaults (the papers' for MNIST). */
const MEMBERS: Member[] = [
  { model: VAE, title: 'MLP VAE 784-400-20, N(0, I) prior', samplers: ['prior', 'gmm'] },
  {
    model: 'ae-mlp',
    title: 'plain MLP autoencoder 784-400-20: no prior, so N(0, I) codes or a density fitted to its codes',
    samplers: ['prior', 'gaussian', 'gmm'],
  },
  {
    model: 'wae',
    title: 'WAE-MMD (Tolstikhin et al. 2018), z=8, codes pulled to N(0, I) by MMD with IMQ kernels',
    samplers: ['prior', 'gmm'],
  },
  {
    model: 'rae',
    title: 'RAE-L2 (Ghosh et al. 2020), z=16, code and decoder-weight penalties',
    samplers: ['prior', 'gmm'],
  },
  {
    model: 'beta-tcvae',
    title: 'beta-TCVAE (Chen et al. 2018), z=20, total correlation weighted 6',
    samplers: ['prior', 'gmm'],
  },
  {
    model: 'factor-vae',
    title: 'FactorVAE (Kim and Mnih 2018), z=20, discriminator TC penalty weighted 6.4',
    samplers: ['prior', 'gmm'],
  },
  {
    model: 'vq-vae',
    title: 'VQ-VAE (van den Oord et al. 2017), 512 codes on a 7x7 grid, Gated PixelCNN prior fitted after training',
    samplers: ['prior'],
  },
];

/** vae-mlp shares the vae-mlp section's z=20 run when the plan trains it alike. */
const sharesZ20 = (plan: ExperimentPlan): boolean => {
  const a = plan.vaeMlp.z20;
  const b = plan.latentFamily.models;
  return a.images === b.images && a.epochs === b.epochs && !plan.latentFamily.options[VAE];
};

const runName = (plan: ExperimentPlan, model: string): string =>
  model === VAE && sharesZ20(plan) ? Z20 : `${DIR}/${model}`;

function specs(plan: ExperimentPlan): RunSpec[] {
  const p = plan.latentFamily;
  return MEMBERS.map((m) =>
    m.model === VAE && sharesZ20(plan)
      ? vaeMlpZ20(plan)
      : runSpec(
          runName(plan, m.model),
          m.title,
          { model: m.model, ...(m.model === VAE ? { latent: 20 } : {}), ...p.options[m.model] },
          p.models,
        ),
  );
}

const pct = (x: number): number => Math.round(x * 1000) / 10;
const smallestShare = (q: SampleQuality): number =>
  pct(Math.min(...q.class_counts) / q.class_counts.reduce((a, b) => a + b, 0));

/** The test evaluation of a flat-code model. The shared z=20 run is evaluated as the vae-mlp section does when that covers the whole test set, so both read one eval.json. */
function evaluate(ctx: SectionContext, name: string): ReturnType<typeof evalRun> {
  const { k, iwImages } = ctx.plan.vaeMlp;
  return evalRun(ctx, name, name === Z20 && iwImages === null ? k : 0, null);
}

/** `latentlab runs --dir <family>` prints each run's last epoch, the test pass after it included; the vq-vae run's. */
function vqLastEpoch(ctx: SectionContext, name: string): { last: Record<string, number>; command: string } {
  const last = readMetrics(runDir(ctx, name)).at(-1) ?? {};
  return { last, command: `latentlab runs --dir ${shellWord(join(ctx.root, 'runs', DIR))} --json` };
}

interface Scored {
  sampler: string;
  q: SampleQuality;
  command: string;
}

/** One model's rows of the table (one per sampler), its samplers' scores, its TC, and its samples under the best one. */
interface MemberResult {
  rows: (string | number)[][];
  commands: string[];
  scored: Map<SamplerKind, Scored>;
  tc: { value: number; command: string } | null;
  figure: FigureEntry;
}

async function analyseMember(ctx: SectionContext, scorer: QualityScorer, m: Member): Promise<MemberResult> {
  const name = runName(ctx.plan, m.model);
  const commands: string[] = [];
  let recon: number;
  let negElbo: number | string = '-';
  let tc: MemberResult['tc'] = null;
  if (m.model === 'vq-vae') {
    const { last, command } = vqLastEpoch(ctx, name);
    recon = last.test_recon ?? NaN;
    commands.push(command);
  } else {
    const { result: e, command } = await evaluate(ctx, name);
    commands.push(command);
    recon = e.test_recon;
    // Only the VAEs have a posterior, hence an ELBO and a TC; the autoencoders' "negative ELBO" is their reconstruction.
    if (e.tc !== null) {
      negElbo = e.test_neg_elbo;
      tc = { value: e.tc, command };
    }
  }
  const rows: (string | number)[][] = [];
  const scored = new Map<SamplerKind, Scored>();
  for (const kind of m.samplers) {
    const { result: q, command } = await samplerQuality(ctx, scorer, name, kind);
    commands.push(command);
    const sampler = q.sampler_components !== undefined ? `${kind} (K=${q.sampler_components})` : kind;
    scored.set(kind, { sampler, q, command });
    rows.push([m.model, sampler, recon, negElbo, tc?.value ?? '-', q.fid, q.inception_score, smallestShare(q)]);
  }
  const [bestKind, best] = [...scored].reduce((a, b) => (b[1].q.fid < a[1].q.fid ? b : a));
  const drawn = await drawSamples(ctx, name, bestKind);
  const f = figure(
    ctx,
    drawn.path,
    `${m.model}: samples from ${bestKind === 'prior' ? 'its prior' : `the ${best.sampler} sampler`}, its lowest FID-style score (${m.title})`,
    drawn.command,
  );
  return { rows, commands, scored, tc, figure: KEY_SAMPLES.includes(m.model) ? key(f) : f };
}

/** The samples shown in docs/RESULTS.md. */
const KEY_SAMPLES: string[] = [VAE, 'rae', 'vq-vae'];

export const latentFamily: Section = {
  id: 'latent-family',
  title: 'Beyond the Gaussian prior',
  runs: specs,
  async analyse(ctx) {
    const plan = ctx.plan.latentFamily;
    const vqName = runName(ctx.plan, 'vq-vae');
    const prior = await ensureVqPrior(runDir(ctx, vqName), plan.priorEpochs, (text) => ctx.message(text));
    const priorCommand = `latentlab prior --run ${runArg(ctx, vqName)} --epochs ${plan.priorEpochs}`;
    const results = new Map<string, MemberResult>();
    const scorer = qualityScorer(ctx);
    try {
      for (const m of MEMBERS) results.set(m.model, await analyseMember(ctx, scorer, m));
    } finally {
      scorer.dispose();
    }
    const all = [...results.values()];
    const figures = all.map((r) => r.figure);
    figures.push(await drawCodes(ctx, vqName), await drawTcCurve(ctx, runName(ctx.plan, 'factor-vae')));
    const { last: vq, command: vqCommand } = vqLastEpoch(ctx, vqName);
    const rae = results.get('rae')!.scored.get('gmm')!;
    const vaePrior = results.get(VAE)!.scored.get('prior')!;
    const numbers: NumberEntry[] = [
      {
        label: 'vq-vae: codes used by the test images (of the 512 in the codebook)',
        value: vq.test_codes_used ?? NaN,
        unit: 'codes',
        command: vqCommand,
      },
      {
        label: "vq-vae: perplexity of the test images' codes (512 if all were used equally)",
        value: vq.test_perplexity ?? NaN,
        unit: 'codes',
        command: vqCommand,
      },
      ...['beta-tcvae', VAE].map((model) => ({
        label: `${model}: total correlation of the test codes (minibatch stratified estimate)`,
        value: results.get(model)!.tc!.value,
        unit: 'nats per image',
        command: results.get(model)!.tc!.command,
      })),
      {
        label: `rae + ${rae.sampler}: FID-style distance of ${rae.q.samples.toLocaleString('en')} samples to the test set`,
        value: rae.q.fid,
        unit: '',
        command: rae.command,
      },
      {
        label: `vae-mlp, its N(0, I) prior: FID-style distance of ${vaePrior.q.samples.toLocaleString('en')} samples to the test set`,
        value: vaePrior.q.fid,
        unit: '',
        command: vaePrior.command,
      },
    ];
    return {
      intro:
        'A VAE samples well only where its prior and the codes of real images agree. The plain autoencoder has no prior at all; WAE pulls its ' +
        'codes to N(0, I) by MMD; RAE keeps its codes small and fits a density to them afterwards (ex-post density estimation, here a Gaussian mixture with K chosen by BIC); ' +
        'beta-TCVAE and FactorVAE penalise the total correlation of the codes (how far q(z) is from the product of its marginals); VQ-VAE ' +
        'replaces the Gaussian by discrete codes and learns their prior with a PixelCNN. ' +
        "Sample quality is scored on the features of latentlab's MNIST classifier (lower FID-style is better).",
      numbers,
      tables: [
        {
          caption:
            "test reconstruction, negative ELBO and total correlation (nats per image; '-': no posterior), and the quality of each sampler's samples (smallest class share, %)",
          columns: [
            'model',
            'sampler',
            'test reconstruction',
            'negative ELBO',
            'TC',
            'FID-style',
            'Inception-style',
            'smallest class %',
          ],
          rows: all.flatMap((r) => r.rows),
          command: [priorCommand, ...all.flatMap((r) => r.commands)].join('; '),
        },
      ],
      figures,
      notes: [
        `VQ-VAE's PixelCNN prior: ${prior.epochs} epoch${prior.epochs === 1 ? '' : 's'} over the training images' code grids${prior.testNllPerCode !== undefined ? `, test -log p ${prior.testNllPerCode.toFixed(3)} nats per code (uniform: ${Math.log(512).toFixed(3)})` : ''} (${priorCommand}). Its test reconstruction is the test pass after its last epoch: \`latentlab eval\` needs an ELBO, which VQ-VAE has not.`,
        ...(sharesZ20(ctx.plan) ? [`vae-mlp is the z=20 run of the MLP VAE section (${Z20}).`] : []),
        ...(plan.samples < 10000
          ? [
              `FID-style distances from ${plan.samples.toLocaleString('en')} samples are biased upwards against the usual 10,000: compare them only with each other.`,
            ]
          : []),
        ...(Object.keys(plan.options).length
          ? [
              `At this scale the networks are smaller than the defaults: ${Object.entries(plan.options)
                .map(
                  ([m, o]) =>
                    `${m} ${Object.entries(o)
                      .map(([k, v]) => `${k} ${v}`)
                      .join(', ')}`,
                )
                .join('; ')}.`,
            ]
          : []),
      ],
    };
  },
};
