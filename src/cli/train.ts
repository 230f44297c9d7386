/**
 * `latentlab train`: flags and an optional JSON file are parsed into a run configuration (the
 * common settings of train/config.ts and the chosen model's own options), then the run trains
 * as workflow/train-run.ts trains every run. Ctrl-C checkpoints and exits; --resume goes on.
 */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN } from '../data/builtin.js';
import { classifierPath, type FeatureClassifier } from '../eval/classifier.js';
import { classifierFor, sampleClasses } from '../eval/sample-quality.js';
import type { Model } from '../models/model.js';
import { getModel } from '../models/registry.js';
import { flagName, resolveStoredConfig, type RunConfig } from '../train/config.js';
import { formatProfile } from '../train/profile-report.js';
import { whereTheFilesAre } from '../train/profile-run.js';
import { readConfig } from '../train/run-dir.js';
import { NonFiniteLossError, type EpochRecord } from '../train/trainer.js';
import { trainRun } from '../workflow/train-run.js';
import { addConfigHelp, addConfigOptions, configFromFlags, pickConfigFlags } from './config-flags.js';
import { barFields, epochLine } from './epoch-line.js';
import { snakeCase as snakeKey } from '../util/names.js';
import { portArg } from './parse.js';
import { progressBar, type Progress } from './progress.js';
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
  breakLock?: boolean;
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
    .option(
      '--resume',
      'continue the run in --out exactly where it stopped (--epochs may be raised); one with no checkpoint yet starts again',
    )
    .option(
      '--break-lock',
      "take the run folder's lock even when a process on another host holds it (be sure nothing trains it there)",
    )
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
  addConfigOptions(cmd);
  addConfigHelp(cmd);
  cmd.addHelpText(
    'after',
    "\nExamples:\n  latentlab train --model vae-mlp --dataset mnist --latent 2 --epochs 20 --out runs/mnist-z2\n  latentlab train --model dcgan --help     # the common settings and dcgan's own options",
  );
  return cmd.action(async (flags: TrainFlags) => runTrain(flags));
}

async function runTrain(flags: TrainFlags): Promise<void> {
  const overrides = pickConfigFlags(flags);
  let config: RunConfig;
  let dir: string;
  if (flags.resume) {
    if (!flags.out) throw new Error('--resume needs --out <run directory>');
    dir = flags.out;
    const { resolved: _resolved, ...raw } = readConfig(dir);
    const source = join(dir, 'config.json');
    const stored = resolveStoredConfig(raw, {}, source);
    const changed = Object.keys(overrides).filter(
      (k) => k !== 'epochs' && JSON.stringify(overrides[k]) !== JSON.stringify(stored[k]),
    );
    if (changed.length)
      throw new Error(`cannot change ${changed.map(flagName).join(', ')} when resuming (only --epochs)`);
    config = resolveStoredConfig(raw, overrides.epochs !== undefined ? { epochs: overrides.epochs } : {}, source);
  } else {
    config = configFromFlags(flags);
    const time = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    dir = flags.out ?? join('runs', `${config.model}-${config.dataset.replace(/[^\w.-]+/g, '_')}-${time}`);
  }
  const declaration = getModel(config.model);
  const json = Boolean(flags.json);
  const out = (obj: object, text: string): void => console.log(json ? JSON.stringify(obj) : text);
  const message = (text: string): void => (json ? console.log(JSON.stringify({ message: text })) : console.error(text));
  let bar: Progress | null = null;
  let watch: FeatureClassifier | null = null;
  let watchLine: string | null = null;
  let model: Model | null = null;
  const live = flags.live || flags.serve ? liveReporter(dir, config.epochs) : null;
  // Started first, so that a port in use stops us before the run folder is made.
  let dashboard: Dashboard | null = flags.serve ? await startDashboard(dir, flags.port ?? 8080) : null;
  // Ctrl-C (or SIGTERM) checkpoints where the run stands; while the data loads, it stops as soon as the run exists.
  const stop = new AbortController();
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    const what = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    stop.abort(started ? `interrupted (${what})` : `interrupted (${what}) before the first step`);
    console.error(
      started
        ? `\nstopping: saving a checkpoint (${what} again to quit at once)`
        : '\nstopping as soon as the run is set up: saving a checkpoint',
    );
    // A second signal quits at once; the run folder's lock still goes (on 'exit').
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await trainRun(config, dir, {
      resume: Boolean(flags.resume),
      breakLock: Boolean(flags.breakLock),
      onNote: (text) => console.error(text),
      pictures: flags.pictures !== false,
      signal: stop.signal,
      callbacks: {
        onEpochStart: (epoch, n) => {
          bar = progressBar(`epoch ${epoch}/${config.epochs}`, n, !json && process.stderr.isTTY);
          live?.epoch(epoch, n);
        },
        onBatch: (e, done, s) => {
          const fields = barFields(declaration.metrics, s);
          live?.batch(e, done, fields);
          const rate = Math.round(s.images / Math.max(s.seconds, 1e-9));
          bar?.update(done, { ...fields, ...(watchLine ? { classes: watchLine } : {}), 'img/s': rate });
        },
        epochExtras: () => {
          if (!watch || !model) return {};
          const w = watchClasses(watch, model);
          watchLine = `${w.classes_covered}/${w.class_counts.length}`;
          if (w.classes_covered < 8)
            message(
              `warning: possible mode collapse: only ${w.classes_covered} of ${w.class_counts.length} classes among 1,000 samples (${w.class_counts.join(' ')})`,
            );
          return w;
        },
        onEpochEnd: (r: EpochRecord, extras) => {
          bar?.stop();
          out({ ...r, ...extras }, epochLine(declaration.metrics, r, extras));
        },
        onMessage: message,
        onProfile: ({ summary, files }) =>
          out(
            { profile: { ...summary, operators: summary.operators.slice(0, 10), ...files } },
            `${formatProfile(summary)}\n\n${whereTheFilesAre(files)}`,
          ),
      },
      onReady: async (run) => {
        started = true;
        model = run.model;
        live?.start(flags.resume ? 'resuming' : 'setting up');
        const watching = declaration.watchClasses && flags.classWatch !== false && config.dataset in BUILTIN;
        if (watching) watch = await loadWatch(config, json);
        if (!json)
          console.error(
            `${flags.resume ? 'resuming' : 'training'} ${config.model} (${run.model.numParameters().toLocaleString('en')} parameters) on ${run.datasets.train.name}: ` +
              `${run.datasets.train.length} images of ${run.datasets.train.imageShape.join('x')}, epoch ${run.trainer.state.epoch + 1} to ${config.epochs} -> ${dir}`,
          );
        if (dashboard) out({ dashboard: dashboard.url }, `dashboard: ${dashboard.url}`);
      },
    });
    (bar as Progress | null)?.stop();
    if (config.profile) {
      live?.end('finished', result.stopReason ?? undefined);
      out({ run_dir: dir, stop_reason: result.stopReason }, `${result.stopReason}; the profile is in ${dir}`);
      return;
    }
    const last: Record<string, number> = result.last ?? {};
    // The headline metric's train and test values first (train_neg_elbo, test_neg_elbo for a VAE), then the others.
    const lead = declaration.metrics.find((m) => !m.hidden);
    const first = lead ? [`train_${snakeKey(lead.key)}`, `test_${snakeKey(lead.key)}`] : [];
    const keys = [
      ...first.filter((k) => k in last),
      ...Object.keys(last).filter((k) => /^(train|test)_/.test(k) && !first.includes(k)),
    ];
    const scores = Object.fromEntries(keys.map((k) => [k, last[k]]));
    const summary = { run_dir: dir, epochs_done: result.epochsDone, ...scores, stop_reason: result.stopReason };
    if (result.interrupted) {
      out(
        { ...summary, interrupted: true },
        `interrupted at epoch ${result.position.epoch}, batch ${result.position.batch}; checkpoint saved. Resume with: latentlab train --resume --out ${dir}`,
      );
      live?.end('stopped', result.stopReason ?? 'stopped');
      process.exitCode = 130;
      return;
    }
    live?.end('finished', result.stopReason ?? undefined);
    const key = lead && (last[`test_${snakeKey(lead.key)}`] !== undefined ? 'test' : 'train');
    const value = lead && key ? last[`${key}_${snakeKey(lead.key)}`] : undefined;
    const score =
      lead && value !== undefined
        ? `${key} ${lead.label} ${value.toFixed(lead.digits ?? 3)}${lead.unit ? ` ${lead.unit} per image` : ''}`
        : 'no metrics';
    out(
      { ...summary, pictures: result.pictures },
      `done: ${result.epochsDone} epochs, ${score}; the run and its pictures are in ${dir}`,
    );
  } catch (e) {
    (bar as Progress | null)?.stop();
    if (started) live?.end('failed', (e as Error).message); // before that, the folder may be another run's
    dashboard?.child.kill('SIGINT'); // a failed run has nothing to look at: say why at once
    dashboard = null;
    if (e instanceof NonFiniteLossError) throw new Error(e.message);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (dashboard) await keepDashboard(dashboard);
    (watch as FeatureClassifier | null)?.dispose();
  }
}

/** The dataset's classifier for the mode-collapse watch (trained once and cached, with a message). */
async function loadWatch(config: RunConfig, json: boolean): Promise<FeatureClassifier> {
  if (!json && !existsSync(classifierPath(config.dataset)))
    console.error(
      `training the ${config.dataset} classifier once for the class watch (cached in ${classifierPath(config.dataset)}; --no-class-watch skips it)`,
    );
  const { net } = await classifierFor(config);
  return net;
}

/** The same noise every epoch, so that the class histograms compare. */
const WATCH_SEED = 1000;

/** The mode-collapse watch: classes of 1,000 samples from fixed noise. */
function watchClasses(
  net: FeatureClassifier,
  model: Model,
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
