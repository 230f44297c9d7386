/**
 * `latentlab reproduce` as a library call: trains (or reuses) the runs of the chosen sections
 * into <root>/runs, then analyses each section, writing report.json after each one (atomically,
 * so a crash leaves the last whole report) and index.html at the end. With only some sections,
 * the others are kept from the report.json already there, if it has the same scale.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../binding/native.js';
import { buildInfo, getNumThreads } from '../tensor/runtime.js';
import type { TrainerCallbacks } from '../train/trainer.js';
import { writeFileAtomic } from '../util/fs.js';
import { anomaly } from './anomaly.js';
import { autoencoder } from './autoencoder.js';
import { beta } from './beta.js';
import { decoders } from './decoders.js';
import { divergence } from './divergence.js';
import { expectedSeconds } from './estimate.js';
import { gans } from './gans.js';
import { latentFamily } from './latent-family.js';
import { renderHtml } from './html.js';
import { planFor, type Scale } from './plan.js';
import { writeResultsMd } from './results-md.js';
import { ensureRun, type RunSpec } from './runs.js';
import type { Section, SectionContext } from './section.js';
import type { Report, RunEntry, SectionReport } from './types.js';
import { vaeConv } from './vae-conv.js';
import { vaeMlp } from './vae-mlp.js';

export const SECTIONS: Section[] = [
  autoencoder,
  vaeMlp,
  vaeConv,
  beta,
  latentFamily,
  decoders,
  anomaly,
  gans,
  divergence,
];
export const SECTION_IDS = SECTIONS.map((s) => s.id);

export interface ReproduceOptions {
  scale: Scale;
  /** The report folder. */
  root: string;
  /** Section ids to run (default: all). */
  sections?: string[];
  /** The command line, for the report. */
  command: string;
  inlineImages?: boolean;
  /** Also write this Markdown page of the results (docs/RESULTS.md). */
  resultsMd?: string;
  signal?: AbortSignal;
  /** Called once the plan is known: its steps and expected duration. */
  onPlan?(steps: number, expectedSeconds: number): void;
  onStep?(step: number, total: number, text: string): void;
  onMessage?(text: string): void;
  /** Per-epoch and per-batch progress of each training. */
  training?: TrainerCallbacks;
}

export const REPORT_FILE = 'report.json';
export const HTML_FILE = 'index.html';

function chosenSections(ids?: string[]): Section[] {
  const unknown = (ids ?? []).filter((id) => !SECTION_IDS.includes(id));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')} (known: ${SECTION_IDS.join(', ')})`);
  return ids?.length ? SECTIONS.filter((s) => ids.includes(s.id)) : SECTIONS;
}

/** Runs needed by several sections are trained once. */
function uniqueRuns(specs: RunSpec[]): RunSpec[] {
  return [...new Map(specs.map((s) => [s.name, s])).values()];
}

function machine(): Report['machine'] {
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    threads: getNumThreads(),
    libtorch: buildInfo().version,
    node: process.version,
    latentlab: version,
  };
}

/** An earlier report of the same scale in `root`, whose other sections are kept when only some run again. */
function earlierReport(root: string, scale: Scale): Report | null {
  const p = join(root, REPORT_FILE);
  if (!existsSync(p)) return null;
  const r = JSON.parse(readFileSync(p, 'utf8')) as Report;
  return r.scale === scale ? r : null;
}

export function writeReport(root: string, report: Report): void {
  writeFileAtomic(join(root, REPORT_FILE), JSON.stringify(report, null, 2) + '\n');
}

/** index.html (and the Markdown page, if asked) from a report. */
export function renderReport(
  root: string,
  report: Report,
  o: { inlineImages?: boolean; resultsMd?: string } = {},
): string[] {
  writeFileAtomic(join(root, HTML_FILE), renderHtml(report, root, { inline: Boolean(o.inlineImages) }));
  return [join(root, HTML_FILE), ...(o.resultsMd ? writeResultsMd(report, root, o.resultsMd) : [])];
}

/** The report to fill: a new one, or, when only some sections run again, the earlier one (its other sections, first command and time kept). */
function startReport(o: ReproduceOptions, expected: number, sections: Section[]): Report {
  const earlier = o.sections?.length ? earlierReport(o.root, o.scale) : null;
  return {
    scale: o.scale,
    created: earlier?.created ?? new Date().toISOString(),
    command: earlier?.command ?? o.command,
    updates: [...(earlier?.updates ?? []), ...(earlier ? [o.command] : [])],
    complete: false,
    machine: machine(),
    expected_seconds: earlier?.expected_seconds ?? expected,
    seconds: earlier?.seconds ?? 0,
    sections: (earlier?.sections ?? []).filter((s) => !sections.some((c) => c.id === s.id)),
  };
}

export async function reproduce(o: ReproduceOptions): Promise<Report> {
  const t0 = performance.now();
  const plan = planFor(o.scale);
  const sections = chosenSections(o.sections);
  const specs = uniqueRuns(sections.flatMap((s) => s.runs(plan)));
  const total = specs.length + sections.length;
  const expected = expectedSeconds(
    plan,
    specs,
    sections.map((s) => s.id),
  );
  o.onPlan?.(total, expected);
  const report = startReport(o, expected, sections);
  const before = report.seconds;
  let step = 0;
  const next = (text: string): void => {
    if (o.signal?.aborted) throw new Error('stopped by request; the same command goes on from here');
    o.onStep?.(++step, total, text);
  };
  const runs = new Map<string, RunEntry>();
  for (const spec of specs) {
    next(`training ${spec.config.model} on ${spec.config.dataset} (${spec.name}) ...`);
    const entry = await ensureRun(spec, o.root, {
      ...(o.training ? { callbacks: o.training } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (entry.reused) o.onMessage?.(`reused the finished run in ${join(o.root, entry.dir)}`);
    runs.set(spec.name, entry);
  }
  const ctx: SectionContext = { plan, root: o.root, message: (text) => o.onMessage?.(text) };
  for (const section of sections) {
    next(`${section.title}: evaluating and drawing ...`);
    const s0 = performance.now();
    const body = await section.analyse(ctx);
    const entry: SectionReport = {
      id: section.id,
      title: section.title,
      runs: section.runs(plan).map((r) => runs.get(r.name)!),
      ...body,
      seconds: Math.round((performance.now() - s0) / 100) / 10,
    };
    report.sections = [...report.sections.filter((s) => s.id !== section.id), entry].sort(
      (a, b) => SECTION_IDS.indexOf(a.id) - SECTION_IDS.indexOf(b.id),
    );
    report.seconds = before + Math.round((performance.now() - t0) / 1000);
    writeReport(o.root, report); // after every section: a crash leaves the last whole report
  }
  report.complete = SECTION_IDS.every((id) => report.sections.some((s) => s.id === id));
  writeReport(o.root, report);
  renderReport(o.root, report, o);
  return report;
}
