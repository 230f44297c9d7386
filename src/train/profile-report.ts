/**
 * What `train --profile N` reports from a profiler recording (profile.ts): a Chrome trace (the
 * Trace Event Format that Perfetto and chrome://tracing open: complete events "X" with ts and dur
 * in microseconds), the time of each phase of a step, and the operators by self time (their time
 * less that of the operators they call), as torch.profiler's key_averages() orders them.
 */
import { join } from 'node:path';
import type { ProfilerRecord } from '../binding/native.js';
import { writeFileAtomic } from '../util/fs.js';
import { PHASES } from './profile.js';

/** The files a profiled run writes into its folder. */
export const PROFILE_FILES = { trace: 'profile-trace.json', table: 'profile.json' } as const;

/** One operator (an ATen operator or an autograd node) over all its calls. */
export interface OperatorTime {
  name: string;
  calls: number;
  /** Time inside the operator less the time inside the operators it called. */
  self_ms: number;
  /** Time inside the operator, callees included. */
  total_ms: number;
  /** self_ms as a share of the profiled time. */
  self_share: number;
}

/** One phase of a step over all profiled steps. */
export interface PhaseTime {
  /** data, forward, backward, optimizer; 'outside phases' is the rest of the steps' time. */
  phase: string;
  total_ms: number;
  /** The part spent inside ATen operators and autograd nodes; the rest is JavaScript, the binding and native code that is no operator (the fused optimizer step). */
  operator_ms: number;
  share: number;
}

/** The tables of profile.json, printed by `train --profile`. */
export interface ProfileSummary {
  model: string;
  /** libtorch's compute threads. */
  threads: number;
  steps: number;
  /** The profiler libtorch ran ('legacy': the autograd profiler; Kineto where libtorch has it). */
  profiler: string;
  /** The profiled steps' wall time, and per step. */
  profiled_ms: number;
  step_ms: number;
  phases: PhaseTime[];
  /** Every operator, the most self time first. */
  operators: OperatorTime[];
}

/** A Chrome trace: what Perfetto (ui.perfetto.dev) and chrome://tracing open. */
export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

/** A complete event ("X", ts and dur in microseconds) or a metadata event ("M": names of the process and threads). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

const ms = (us: number): number => Math.round(us) / 1000;
const share = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1e4) / 1e4 : 0);
const isPhase = (name: string): boolean => (PHASES as readonly string[]).includes(name);
const isStep = (r: ProfilerRecord, i: number): boolean => r.scopes[i] === 'user' && r.parents[i] === -1;

/** The phase and operator tables of a recording of `steps` steps of `about.model`. */
export function summarize(r: ProfilerRecord, steps: number, about: { model: string; threads: number }): ProfileSummary {
  const n = r.names.length;
  const dur = (i: number): number => r.endUs[i]! - r.startUs[i]!;
  // Self time: a range's time less its children's (callees nest strictly inside their caller on its thread).
  const childTime = new Float64Array(n);
  const operatorChildTime = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = r.parents[i]!;
    if (p < 0) continue;
    childTime[p] = childTime[p]! + dur(i);
    if (r.scopes[i] !== 'user') operatorChildTime[p] = operatorChildTime[p]! + dur(i);
  }
  const ops = new Map<string, { calls: number; self: number; total: number }>();
  const phases = new Map<string, { total: number; operators: number }>(
    PHASES.map((p) => [p, { total: 0, operators: 0 }]),
  );
  let profiled = 0;
  let operatorsOutsidePhases = 0;
  for (let i = 0; i < n; i++) {
    const name = r.names[i]!;
    if (r.scopes[i] !== 'user') {
      const o = ops.get(name) ?? { calls: 0, self: 0, total: 0 };
      o.calls++;
      o.self += dur(i) - childTime[i]!;
      o.total += dur(i);
      ops.set(name, o);
    } else if (isStep(r, i)) {
      profiled += dur(i);
      operatorsOutsidePhases += operatorChildTime[i]!;
    } else if (isPhase(name)) {
      const ph = phases.get(name)!;
      ph.total += dur(i);
      ph.operators += operatorChildTime[i]!;
    }
  }
  const inPhases = [...phases.values()].reduce((s, p) => s + p.total, 0);
  return {
    ...about,
    steps,
    profiler: r.profiler,
    profiled_ms: ms(profiled),
    step_ms: steps > 0 ? ms(profiled / steps) : 0,
    phases: [
      ...[...phases].map(([phase, p]) => ({
        phase,
        total_ms: ms(p.total),
        operator_ms: ms(p.operators),
        share: share(p.total, profiled),
      })),
      {
        phase: 'outside phases',
        total_ms: ms(profiled - inPhases),
        operator_ms: ms(operatorsOutsidePhases),
        share: share(profiled - inPhases, profiled),
      },
    ],
    operators: [...ops]
      .map(([name, o]) => ({
        name,
        calls: o.calls,
        self_ms: ms(o.self),
        total_ms: ms(o.total),
        self_share: share(o.self, profiled),
      }))
      .sort((a, b) => b.self_ms - a.self_ms || a.name.localeCompare(b.name)),
  };
}

/** The recording as a Chrome trace: steps, phases and operators as complete events, nested by time on each thread. */
export function chromeTrace(r: ProfilerRecord, about: Record<string, unknown> = {}): ChromeTrace {
  const pid = process.pid;
  const threads = [...new Set(r.threads)].sort((a, b) => a - b);
  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid, tid: threads[0] ?? 0, args: { name: 'latentlab train' } },
    ...threads.map((tid, i): TraceEvent => ({
      name: 'thread_name',
      ph: 'M',
      pid,
      tid,
      args: { name: i === 0 ? 'main' : `thread ${tid}` },
    })),
  ];
  const us = (x: number): number => Math.round(x * 1000) / 1000;
  for (let i = 0; i < r.names.length; i++) {
    const name = r.names[i]!;
    const scope = r.scopes[i]!;
    const cat =
      scope === 'user'
        ? isStep(r, i)
          ? 'step'
          : isPhase(name)
            ? 'phase'
            : 'user_annotation'
        : scope === 'backward'
          ? 'autograd'
          : 'cpu_op';
    events.push({
      name,
      cat,
      ph: 'X',
      pid,
      tid: r.threads[i]!,
      ts: us(r.startUs[i]!),
      // From the rounded ends, so that a callee's interval stays inside its caller's.
      dur: us(us(r.endUs[i]!) - us(r.startUs[i]!)),
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { profiler: r.profiler, ...about } };
}

/** Writes profile-trace.json and profile.json into the run folder; returns their paths. */
export function writeProfile(
  dir: string,
  trace: ChromeTrace,
  summary: ProfileSummary,
): { trace: string; table: string } {
  const paths = { trace: join(dir, PROFILE_FILES.trace), table: join(dir, PROFILE_FILES.table) };
  writeFileAtomic(paths.trace, JSON.stringify(trace));
  writeFileAtomic(paths.table, `${JSON.stringify(summary, null, 2)}\n`);
  return paths;
}

const fixed = (x: number, d = 2): string => x.toFixed(d);
const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The summary as text: the phases, then the `top` operators by self time. */
export function formatProfile(s: ProfileSummary, top = 10): string {
  const row = (cells: string[], widths: number[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join('  ');
  const nameWidth = Math.max(24, ...s.operators.slice(0, top).map((o) => o.name.length));
  const phaseWidths = [nameWidth, 10, 10, 7, 13];
  const opWidths = [nameWidth, 7, 10, 7, 10];
  return [
    `profiled ${s.steps} training steps of ${s.model} on ${s.threads} thread${s.threads === 1 ? '' : 's'} (libtorch's ${s.profiler} profiler): ` +
      `${fixed(s.profiled_ms, 1)} ms, ${fixed(s.step_ms)} ms a step`,
    '',
    row(['phase', 'ms', 'ms/step', 'share', 'in operators'], phaseWidths),
    ...s.phases.map((p) =>
      row(
        [p.phase, fixed(p.total_ms), fixed(p.total_ms / Math.max(1, s.steps)), percent(p.share), fixed(p.operator_ms)],
        phaseWidths,
      ),
    ),
    '',
    row(
      [
        `operator (top ${Math.min(top, s.operators.length)} of ${s.operators.length})`,
        'calls',
        'self ms',
        'self',
        'total ms',
      ],
      opWidths,
    ),
    ...s.operators
      .slice(0, top)
      .map((o) => row([o.name, String(o.calls), fixed(o.self_ms), percent(o.self_share), fixed(o.total_ms)], opWidths)),
  ].join('\n');
}
