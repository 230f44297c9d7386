/**
 * `latentlab train`: flags and an optional JSON file are parsed into a RunConfig (see
 * train/config.ts), then the library trains. Ctrl-C checkpoints and exits; --resume goes on.
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import {
  DEFAULTS,
  MODEL_NAMES,
  SCHEMA,
  flagName,
  isAdversarial,
  parseFlag,
  readConfigFile,
  resolveConfig,
  type RunConfig,
} from '../train/config.js';
import { prepareRun } from '../train/prepare.js';
import { readConfig, readMetrics } from '../train/run-dir.js';
import { TrainingPictures, writeRunPictures } from '../viz/progress.js';
import { NonFiniteLossError, type EpochRecord, type PassStats } from '../train/trainer.js';
import { existsSync } from 'node:fs';
import { BUILTIN } from '../data/builtin.js';
import { classifierPath, type FeatureClassifier } from '../eval/classifier.js';
import { classifierFor, sampleClasses } from '../eval/sample-quality.js';
import type { AnyModel } from '../models/types.js';
import { MODELS } from '../models/registry.js';
import { progressBar, type Progress } from './progress.js';
import { portArg } from './parse.js';
import { liveReporter, startDashboard, type Dashboard } from './train-live.js';

interface TrainFlags {
  pictures?: boolean;
  live?: boolean;
  serve?: boolean;
  port?: number;
  classWatch?: boolean;
  config?: string;
  out?: string;
  resume?: boolean;
  json?: boolean;
  [key: string]: unknown;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description(
      'train a model; writes runs/<name>/ with config.json, model.safetensors, optimizer.safetensors, metrics.jsonl',
    )
    .option('--config <file>', 'JSON file of settings (flags override it)')
    .option('--out <dir>', 'run directory (default: runs/<model>-<dataset>-<time>)')
    .option('--resume', 'continue the run in --out exactly where it stopped (--epochs may be raised)')
    .option('--json', 'print one JSON object per epoch and a summary object last')
    .option('--no-pictures', 'skip the pictures (samples, reconstructions, latent map, curves, progress.gif, manifold)')
    .option(
      '--no-class-watch',
      'GANs on mnist/fashion-mnist: skip the per-epoch class histogram of 1,000 samples (the mode-collapse watch)',
    )
    .option('--live', 'write live.json into the run folder as training goes, for the web dashboard (latentlab serve)')
    .option(
      '--serve',
      'also start the web dashboard (latentlab serve) on the runs folder and follow this run there; implies --live',
    )
    .addOption(new Option('--port <n>', "with --serve: the dashboard's port").argParser(portArg).default(8080));
  for (const key of Object.keys(SCHEMA) as (keyof RunConfig)[]) cmd.addOption(configOption(key));
  cmd.addHelpText(
    'after',
    `\nModels:\n${MODEL_NAMES.map((m) => `  ${m.padEnd(9)} ${MODELS[m].description}`).join('\n')}\n\nExample:\n  latentlab train --model vae-mlp --dataset mnist --latent 2 --epochs 20 --out runs/mnist-z2`,
  );
  return cmd.action(async (flags: TrainFlags) => runTrain(flags));
}

/** The flag of one configuration setting, as train and import take it. */
export function configOption(key: keyof RunConfig): Option {
  const spec = SCHEMA[key];
  const arg = spec.arg ?? ('values' in spec.kind ? spec.kind.values.join('|') : 'value');
  const def = DEFAULTS[key];
  const help = spec.help.includes('(default:')
    ? spec.help
    : `${spec.help} (default: ${Array.isArray(def) ? def.join(',') : (def ?? 'none')})`;
  return new Option(`${flagName(key)} <${arg}>`, help).argParser((raw) => parseFlag(key, raw));
}

/** The settings given as flags (commander leaves the others undefined). */
export function pickConfigFlags(flags: Record<string, unknown>): Partial<RunConfig> {
  return Object.fromEntries(
    Object.entries(flags).filter(([k, v]) => k in SCHEMA && v !== undefined),
  ) as Partial<RunConfig>;
}

/** A new run's configuration: --config's file, then the flags over it. */
export function configFromFlags(flags: Record<string, unknown> & { config?: string }): RunConfig {
  return resolveConfig(flags.config ? readConfigFile(flags.config) : {}, pickConfigFlags(flags));
}

async function runTrain(flags: TrainFlags): Promise<void> {
  const overrides = pickConfigFlags(flags);
  let config: RunConfig;
  let dir: string;
  if (flags.resume) {
    if (!flags.out) throw new Error('--resume needs --out <run directory>');
    dir = flags.out;
    const { resolved: _resolved, ...stored } = readConfig(dir);
    const changed = Object.keys(overrides).filter(
      (k) =>
        k !== 'epochs' &&
        JSON.stringify(overrides[k as keyof RunConfig]) !== JSON.stringify(stored[k as keyof RunConfig]),
    );
    if (changed.length)
      throw new Error(`cannot change ${changed.map(flagName).join(', ')} when resuming (only --epochs)`);
    config = resolveConfig(stored, overrides);
  } else {
    config = configFromFlags(flags);
    dir =
      flags.out ??
      join(
        'runs',
        `${config.model}-${config.dataset.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`,
      );
  }
  const json = Boolean(flags.json);
  const out = (obj: object, text: string): void => console.log(json ? JSON.stringify(obj) : text);
  let bar: Progress | null = null;
  const gan = isAdversarial(config);
  let watch: { net: FeatureClassifier } | null = null;
  let watchLine: string | null = null;
  const live = flags.live || flags.serve ? liveReporter(dir, config.epochs) : null;
  // Started first, so that a port in use stops us before the run folder is made.
  let dashboard: Dashboard | null = flags.serve ? await startDashboard(dir, flags.port ?? 8080) : null;
  // Ctrl-C while the data loads: remembered, and the run stops (with a checkpoint) as soon as it exists.
  let early: string | null = null;
  const onEarlySigint = (): void => {
    early = 'interrupted (Ctrl-C) before the first step';
    console.error('\nstopping as soon as the run is set up: saving a checkpoint');
  };
  process.once('SIGINT', onEarlySigint);
  const run = await prepareRun(config, dir, !flags.resume, {
    onEpochStart: (epoch, n) => {
      bar = progressBar(`epoch ${epoch}/${config.epochs}`, n, !json && process.stderr.isTTY);
      live?.epoch(epoch, n);
    },
    onBatch: (e, done, s) => {
      const fields = barFields(gan, s);
      live?.batch(e, done, fields);
      bar?.update(done, {
        ...fields,
        ...(watchLine ? { classes: watchLine } : {}),
        'img/s': Math.round(s.images / Math.max(s.seconds, 1e-9)),
      });
    },
    epochExtras: async () => {
      if (!watch) return {};
      const w = watchClasses(watch.net, run.model);
      watchLine = `${w.classes_covered}/${w.class_counts.length}`;
      if (w.classes_covered < 8) {
        const text = `warning: possible mode collapse: only ${w.classes_covered} of ${w.class_counts.length} classes among 1,000 samples (${w.class_counts.join(' ')})`;
        if (json) console.log(JSON.stringify({ message: text }));
        else console.error(text);
      }
      return w;
    },
    onEpochEnd: (r: EpochRecord, extras) => {
      bar?.stop();
      pictures?.record();
      out({ ...r, ...extras }, epochLine(gan, r, extras));
    },
    onMessage: (text) => (json ? console.log(JSON.stringify({ message: text })) : console.error(text)),
  }).catch((e: unknown) => {
    dashboard?.child.kill('SIGINT'); // nothing to show: let this process end with the error
    process.removeListener('SIGINT', onEarlySigint);
    throw e;
  });
  const { trainer, datasets } = run;
  process.removeListener('SIGINT', onEarlySigint);
  const onSigint = (): void => {
    trainer.requestStop('interrupted (Ctrl-C)');
    console.error('\nstopping: saving a checkpoint (Ctrl-C again to quit at once)');
    process.once('SIGINT', () => process.exit(130));
  };
  if (early) trainer.requestStop(early);
  else process.once('SIGINT', onSigint);
  live?.start(flags.resume ? 'resuming' : 'setting up');
  if (flags.resume) trainer.resume();
  const watchNet =
    gan && flags.classWatch !== false && config.dataset in BUILTIN ? await loadWatch(config, json) : null;
  watch = watchNet;
  const pictures = flags.pictures === false ? null : new TrainingPictures(run.model, datasets.test);
  if (!json) {
    console.error(
      `${flags.resume ? 'resuming' : 'training'} ${config.model} (latent ${config.latent}, ${run.model.numParameters().toLocaleString('en')} parameters) on ${datasets.train.name}: ` +
        `${datasets.train.length} images of ${datasets.train.imageShape.join('x')}, epoch ${trainer.state.epoch + 1} to ${config.epochs} -> ${dir}`,
    );
  }
  try {
    if (dashboard) out({ dashboard: dashboard.url }, `dashboard: ${dashboard.url}`);
    const result = await trainer.fit();
    (bar as Progress | null)?.stop();
    const last = result.last;
    const summary = {
      run_dir: dir,
      epochs_done: result.epochsDone,
      ...(gan
        ? { train_d_loss: last?.train_d_loss ?? null, train_g_loss: last?.train_g_loss ?? null }
        : { train_neg_elbo: last?.train_neg_elbo ?? null, test_neg_elbo: last?.test_neg_elbo ?? null }),
      stop_reason: result.stopReason,
    };
    if (result.interrupted) {
      out(
        { ...summary, interrupted: true },
        `interrupted at epoch ${trainer.state.epoch + 1}, batch ${trainer.state.batch}; checkpoint saved. Resume with: latentlab train --resume --out ${dir}`,
      );
      live?.end('stopped', result.stopReason ?? 'stopped');
      process.exitCode = 130;
      return;
    }
    const files = pictures ? await writeRunPictures(dir, run.model, datasets.test, readMetrics(dir), pictures) : [];
    live?.end('finished', result.stopReason ?? undefined);
    const score = gan
      ? `generator loss ${last?.train_g_loss?.toFixed(3) ?? '-'}`
      : `test -ELBO ${last?.test_neg_elbo ?? '-'} nats per image`;
    out(
      { ...summary, pictures: files },
      `done: ${result.epochsDone} epochs, ${score}; the run and its pictures are in ${dir}`,
    );
  } catch (e) {
    (bar as Progress | null)?.stop();
    live?.end('failed', (e as Error).message);
    dashboard?.child.kill('SIGINT'); // a failed run has nothing to look at: say why at once
    dashboard = null;
    if (e instanceof NonFiniteLossError) throw new Error(e.message);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (dashboard) await keepDashboard(dashboard);
    pictures?.dispose();
    watch?.net.dispose();
    run.dispose();
  }
}

/** The running averages shown on the progress bar. */
function barFields(gan: boolean, s: PassStats): Record<string, number> {
  if (!gan) return { loss: s.loss!, recon: s.recon!, kl: s.kl! };
  return s.wasserstein !== undefined
    ? { 'W est': s.wasserstein, 'D loss': s.dLoss!, 'G loss': s.gLoss! }
    : { 'D loss': s.dLoss!, 'G loss': s.gLoss!, 'D(x)': s.dReal!, 'D(G(z))': s.dFake! };
}

/** One epoch in words. */
function epochLine(gan: boolean, r: EpochRecord, extras: Record<string, unknown>): string {
  const time = `${r.sec.toFixed(1)} s, ${r.images_per_sec} img/s`;
  if (!gan) {
    return (
      `epoch ${r.epoch}: train -ELBO ${r.train_neg_elbo!.toFixed(2)} (recon ${r.train_recon!.toFixed(2)}, KL ${r.train_kl!.toFixed(2)}, beta ${r.beta})` +
      `${r.val_neg_elbo !== undefined ? `, val ${r.val_neg_elbo.toFixed(2)}` : ''}, test -ELBO ${r.test_neg_elbo!.toFixed(2)} nats; ${time}`
    );
  }
  const w =
    r.train_wasserstein !== undefined
      ? `, Wasserstein estimate ${r.train_wasserstein.toFixed(3)} (penalty ${r.train_gradient_penalty!.toFixed(3)})`
      : '';
  const d =
    r.train_wasserstein !== undefined
      ? `critic(x) ${r.train_d_real!.toFixed(3)}, critic(G(z)) ${r.train_d_fake!.toFixed(3)}`
      : `D(x) ${r.train_d_real!.toFixed(3)}, D(G(z)) ${r.train_d_fake!.toFixed(3)}`;
  const classes =
    extras.classes_covered !== undefined
      ? `; classes in 1,000 samples ${extras.classes_covered}/${(extras.class_counts as number[]).length} (entropy ${(extras.class_entropy as number).toFixed(2)} nats)`
      : '';
  return `epoch ${r.epoch}: D loss ${r.train_d_loss!.toFixed(3)}, G loss ${r.train_g_loss!.toFixed(3)}, ${d}${w}${classes}; ${time}`;
}

/** The dataset's classifier for the mode-collapse watch (trained once and cached, with a message). */
async function loadWatch(config: RunConfig, json: boolean): Promise<{ net: FeatureClassifier }> {
  if (!json && !existsSync(classifierPath(config.dataset)))
    console.error(
      `training the ${config.dataset} classifier once for the class watch (cached in ${classifierPath(config.dataset)}; --no-class-watch skips it)`,
    );
  const { net } = await classifierFor(config);
  return { net };
}

/** The same noise every epoch, so that the class histograms compare. */
const WATCH_SEED = 1000;

/** The mode-collapse watch: classes of 1,000 samples from fixed noise. */
function watchClasses(
  net: FeatureClassifier,
  model: AnyModel,
): { class_counts: number[]; classes_covered: number; class_entropy: number } {
  const wasTraining = model.training;
  try {
    const h = sampleClasses(net, model, 1000, WATCH_SEED);
    return { class_counts: h.counts, classes_covered: h.covered, class_entropy: Math.round(h.entropy * 1e4) / 1e4 };
  } finally {
    model.train(wasTraining);
  }
}

/** After training, the dashboard stays up for looking at the result until Ctrl-C. */
async function keepDashboard(d: Dashboard): Promise<void> {
  if (d.child.exitCode !== null) return;
  console.error(`training has ended; the dashboard is still at ${d.url} (Ctrl-C to stop it)`);
  process.once('SIGINT', () => d.child.kill('SIGINT'));
  await d.done;
}
