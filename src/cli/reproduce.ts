/**
 * `latentlab reproduce`: the classic experiments of the course notes in one command, with an
 * HTML report and report.json (the work is src/report/; this parses flags and prints progress:
 * "[3/14] ..." lines on stderr, or JSON lines on stdout with --json).
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_FILE, SECTION_IDS, renderReport, reproduce } from '../report/reproduce.js';
import type { Scale } from '../report/plan.js';
import { shellWord } from '../report/runs.js';
import type { Report } from '../report/types.js';
import { progressBar, type Progress } from './progress.js';

interface ReproduceFlags {
  quick?: boolean;
  tiny?: boolean;
  out: string;
  sections?: string;
  resultsMd?: string;
  renderOnly?: boolean;
  inlineImages?: boolean;
  json?: boolean;
}

const minutes = (s: number): string => (s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} minutes`);

/** The command line that makes the same report, for the report itself. */
function commandLine(o: ReproduceFlags): string {
  const words = ['latentlab reproduce', o.tiny ? '--tiny' : o.quick ? '--quick' : '', '--out', shellWord(o.out)];
  if (o.sections) words.push('--sections', shellWord(o.sections));
  if (o.resultsMd) words.push('--results-md', shellWord(o.resultsMd));
  return words.filter(Boolean).join(' ');
}

async function run(o: ReproduceFlags): Promise<void> {
  if (o.quick && o.tiny) throw new Error('give --quick or --tiny, not both');
  const say = (obj: object, text: string): void => (o.json ? console.log(JSON.stringify(obj)) : console.error(text));
  if (o.renderOnly) {
    const report = JSON.parse(readFileSync(join(o.out, REPORT_FILE), 'utf8')) as Report;
    const files = renderReport(o.out, report, {
      inlineImages: Boolean(o.inlineImages),
      ...(o.resultsMd ? { resultsMd: o.resultsMd } : {}),
    });
    console.log(o.json ? JSON.stringify({ files }) : files.map((f) => `wrote ${f}`).join('\n'));
    return;
  }
  const scale: Scale = o.tiny ? 'tiny' : o.quick ? 'quick' : 'full';
  const abort = new AbortController();
  const onSigint = (): void => {
    abort.abort();
    console.error(
      '\nstopping: the run in training saves a checkpoint; the same command resumes (Ctrl-C again to quit at once)',
    );
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  let bar: Progress | null = null;
  const t0 = performance.now();
  const tty = !o.json && process.stderr.isTTY;
  try {
    const report = await reproduce({
      scale,
      root: o.out,
      command: commandLine(o),
      signal: abort.signal,
      ...(o.sections ? { sections: o.sections.split(',').map((s) => s.trim()) } : {}),
      ...(o.resultsMd ? { resultsMd: o.resultsMd } : {}),
      inlineImages: Boolean(o.inlineImages),
      onPlan: (steps, expected) =>
        say(
          { scale, steps, expected_seconds: expected },
          `reproducing the classic experiments (${scale}): ${steps} steps, expected duration about ${minutes(expected)} on a quiet 2-core machine; report in ${o.out}/`,
        ),
      onStep: (step, total, text) =>
        say(
          { step, of: total, task: text, elapsed_s: Math.round((performance.now() - t0) / 1000) },
          `[${step}/${total}] ${text}`,
        ),
      onMessage: (text) => say({ message: text }, `  ${text}`),
      training: {
        onEpochStart: (epoch, n) => (bar = progressBar(`  epoch ${epoch}`, n, tty)),
        onBatch: (_e, done, s) => bar?.update(done, { loss: s.loss ?? s.dLoss ?? 0 }),
        onEpochEnd: () => bar?.stop(),
      },
    });
    const seconds = Math.round((performance.now() - t0) / 1000); // this command's, not the report's over its updates
    const summary = {
      report: join(o.out, REPORT_FILE),
      html: join(o.out, 'index.html'),
      ...(o.resultsMd ? { results_md: o.resultsMd } : {}),
      scale,
      seconds,
      complete: report.complete,
    };
    console.log(
      o.json
        ? JSON.stringify(summary)
        : `done in ${minutes(seconds)}: ${summary.html} and ${summary.report}${o.resultsMd ? ` and ${o.resultsMd}` : ''}`,
    );
  } finally {
    (bar as Progress | null)?.stop();
    process.removeListener('SIGINT', onSigint);
  }
}

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description(
      'the classic experiments of the course notes (conv autoencoder, VAEs, beta sweep, decoders, anomaly detection, GANs, divergences) in one command: the runs, an HTML report and report.json',
    )
    .option('--quick', 'fewer images and epochs, the same code paths (under 10 minutes on 2 cores)')
    .option('--tiny', 'smaller still, for tests and CI')
    .option('--out <dir>', 'the report folder (runs in <dir>/runs)', 'report')
    .option(
      '--sections <list>',
      `only these sections, the others kept from the report already there: ${SECTION_IDS.join(',')}`,
    )
    .option(
      '--results-md <file>',
      'also write the numbers and key pictures as Markdown (e.g. docs/RESULTS.md), the pictures beside it',
    )
    .option('--render-only', 'compute nothing: write index.html (and --results-md) again from <dir>/report.json')
    .option('--inline-images', 'put the pictures into index.html as data: URIs (one file to pass around)')
    .option('--json', 'print JSON lines: the plan, each step, the summary last')
    .addHelpText(
      'after',
      '\nA finished run already in <dir>/runs is reused, an unfinished one resumed: after a crash or Ctrl-C, the same command goes on.',
    )
    .action(async (o: ReproduceFlags) => run(o));
}
