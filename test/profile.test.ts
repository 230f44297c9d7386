/**
 * The step profiler (train --profile N): the Chrome trace it writes (Trace Event Format: complete
 * events with ts and dur in microseconds) holds N steps, their phases and the ATen operators
 * inside them; the self times of its tables agree with the trace and add up; bad values are
 * refused. The self-time arithmetic is checked on a recording made by hand.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProfilerRecord } from '../src/binding/native.js';
import { COMMON } from '../src/train/config.js';
import { chromeTrace, summarize, type ProfileSummary, type TraceEvent } from '../src/train/profile-report.js';
import { parseOption } from '../src/util/options.js';
import { cliAsync, jsonLines, tempDir } from './helpers.js';

const tmp = tempDir('profile');
const PHASES = ['data', 'forward', 'backward', 'optimizer'];
const STEPS = 20;
const TINY = ['--limit', '512', '--batch-size', '32', '--threads', '1', '--no-pictures'];
/** Microseconds: the trace's times are rounded to nanoseconds. */
const EPS = 0.002;

/** A recording made by hand: one step of 100 us; forward 10-60 holds aten::a (20-50), which calls aten::b (25-35). */
function handMade(): ProfilerRecord {
  const rows: [string, string, number, number, number][] = [
    ['step 1', 'user', 0, 100, -1],
    ['data', 'user', 2, 8, 0],
    ['aten::b', 'operator', 3, 7, 1],
    ['forward', 'user', 10, 60, 0],
    ['aten::a', 'operator', 20, 50, 3],
    ['aten::b', 'operator', 25, 35, 4],
    ['backward', 'user', 60, 90, 0],
    ['AddBackward0', 'backward', 61, 80, 6],
    ['aten::b', 'operator', 70, 72, 7],
  ];
  return {
    profiler: 'legacy',
    durationUs: 120,
    names: rows.map((r) => r[0]),
    scopes: rows.map((r) => r[1]),
    threads: new Float64Array(rows.length).fill(1),
    startUs: Float64Array.from(rows, (r) => r[2]),
    endUs: Float64Array.from(rows, (r) => r[3]),
    parents: Float64Array.from(rows, (r) => r[4]),
  };
}

test('a recording becomes complete events in microseconds, by kind', () => {
  const t = chromeTrace(handMade(), { model: 'm' });
  const x = t.traceEvents.filter((e) => e.ph === 'X');
  assert.deepEqual(
    x.map((e) => [e.name, e.cat, e.ts, e.dur]),
    [
      ['step 1', 'step', 0, 100],
      ['data', 'phase', 2, 6],
      ['aten::b', 'cpu_op', 3, 4],
      ['forward', 'phase', 10, 50],
      ['aten::a', 'cpu_op', 20, 30],
      ['aten::b', 'cpu_op', 25, 10],
      ['backward', 'phase', 60, 30],
      ['AddBackward0', 'autograd', 61, 19],
      ['aten::b', 'cpu_op', 70, 2],
    ],
  );
  assert.ok(x.every((e) => e.pid === process.pid && e.tid === 1));
  assert.deepEqual(t.otherData, { profiler: 'legacy', model: 'm' });
});

test('self times are total less callees; phases are sums of their ranges', () => {
  const s = summarize(handMade(), 1, { model: 'm', threads: 1 });
  assert.equal(s.profiled_ms, 0.1);
  const byName = Object.fromEntries(s.operators.map((o) => [o.name, o]));
  // aten::b: 4 + 10 + 2 us, never calling anything; aten::a: 30 us less b's 10; the node: 19 less 2.
  assert.deepEqual(byName['aten::b'], { name: 'aten::b', calls: 3, self_ms: 0.016, total_ms: 0.016, self_share: 0.16 });
  assert.deepEqual(byName['aten::a'], { name: 'aten::a', calls: 1, self_ms: 0.02, total_ms: 0.03, self_share: 0.2 });
  assert.deepEqual(byName['AddBackward0'], {
    name: 'AddBackward0',
    calls: 1,
    self_ms: 0.017,
    total_ms: 0.019,
    self_share: 0.17,
  });
  assert.deepEqual(
    s.operators.map((o) => o.name),
    ['aten::a', 'AddBackward0', 'aten::b'],
  );
  assert.deepEqual(
    s.phases.map((p) => [p.phase, p.total_ms, p.operator_ms]),
    [
      ['data', 0.006, 0.004],
      ['forward', 0.05, 0.03],
      ['backward', 0.03, 0.019],
      ['optimizer', 0, 0],
      ['outside phases', 0.014, 0],
    ],
  );
});

/** The complete events of a trace, checked for the fields the format asks of them. */
function completeEvents(trace: unknown): Required<Pick<TraceEvent, 'name' | 'cat' | 'tid' | 'ts' | 'dur'>>[] {
  assert.ok(trace && typeof trace === 'object' && Array.isArray((trace as { traceEvents: unknown }).traceEvents));
  const events = (trace as { traceEvents: TraceEvent[] }).traceEvents;
  for (const e of events) {
    assert.equal(typeof e.name, 'string');
    assert.ok(['X', 'M'].includes(e.ph), `ph ${e.ph}`);
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), `pid and tid of ${e.name}`);
    if (e.ph === 'X') assert.ok(e.ts! >= 0 && e.dur! >= 0, `ts ${e.ts} and dur ${e.dur} of ${e.name}`);
  }
  return events.filter((e) => e.ph === 'X') as ReturnType<typeof completeEvents>;
}

/** Self time per operator name from the trace alone: each event's time less that of the events directly inside it. */
function selfTimesFromTrace(events: ReturnType<typeof completeEvents>): Map<string, number> {
  const sorted = [...events].sort((a, b) => a.tid - b.tid || a.ts - b.ts || b.dur - a.dur);
  const self = new Map<string, number>();
  const stack: (typeof sorted)[number][] = [];
  for (const e of sorted) {
    while (stack.length && (stack.at(-1)!.tid !== e.tid || stack.at(-1)!.ts + stack.at(-1)!.dur <= e.ts + EPS))
      stack.pop();
    const parent = stack.at(-1);
    if (parent && parent.cat !== 'step' && parent.cat !== 'phase')
      self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur);
    if (e.cat !== 'step' && e.cat !== 'phase') self.set(e.name, (self.get(e.name) ?? 0) + e.dur);
    stack.push(e);
  }
  return self;
}

/** The checks both runs share: files, trace, nesting, tables. */
function checkProfile(out: string, printed: ProfileSummary | null): ProfileSummary {
  assert.ok(!existsSync(join(out, 'model.safetensors')), 'a profiled run saves no checkpoint');
  const events = completeEvents(JSON.parse(readFileSync(join(out, 'profile-trace.json'), 'utf8')));
  const steps = events.filter((e) => e.cat === 'step');
  assert.deepEqual(
    steps.map((e) => e.name),
    Array.from({ length: STEPS }, (_, i) => `step ${i + 1}`),
  );
  const phases = events.filter((e) => e.cat === 'phase');
  const ops = events.filter((e) => e.cat === 'cpu_op' || e.cat === 'autograd');
  const inside = (e: { tid: number; ts: number; dur: number }, r: { tid: number; ts: number; dur: number }): boolean =>
    e.tid === r.tid && e.ts >= r.ts - EPS && e.ts + e.dur <= r.ts + r.dur + EPS;
  for (const name of PHASES) {
    const ranges = phases.filter((p) => p.name === name);
    assert.ok(ranges.length >= STEPS, `${name}: ${ranges.length} ranges`);
    assert.ok(
      ranges.every((r) => steps.some((s) => inside(r, s))),
      `every ${name} range lies in a step`,
    );
    assert.ok(
      ops.some((o) => ranges.some((r) => inside(o, r))),
      `operators inside the ${name} ranges`,
    );
  }
  assert.ok(
    ops.every((o) => phases.some((r) => inside(o, r))),
    'every operator ran inside a phase',
  );
  assert.ok(
    ops.some((o) => o.cat === 'autograd' && phases.some((r) => r.name === 'backward' && inside(o, r))),
    'autograd nodes inside backward',
  );

  const table = JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')) as ProfileSummary;
  assert.equal(table.steps, STEPS);
  const stepTime = steps.reduce((s, e) => s + e.dur, 0) / 1000;
  assert.ok(Math.abs(table.profiled_ms - stepTime) < 0.01, `${table.profiled_ms} vs ${stepTime}`);
  assert.ok(table.operators.length > 5);
  assert.ok(table.operators.every((o) => o.self_ms >= 0 && o.self_ms <= o.total_ms + 1e-9 && o.calls >= 1));
  const selfSum = table.operators.reduce((s, o) => s + o.self_ms, 0);
  assert.ok(selfSum > 0 && selfSum <= table.profiled_ms, `self times ${selfSum} ms of ${table.profiled_ms} ms`);
  const phaseSum = table.phases.reduce((s, p) => s + p.total_ms, 0);
  assert.ok(Math.abs(phaseSum - table.profiled_ms) < 0.01, `phases ${phaseSum} of ${table.profiled_ms} ms`);
  // The table's self times against the same computed from the trace by nesting intervals.
  const fromTrace = selfTimesFromTrace(events);
  for (const o of table.operators.slice(0, 10))
    assert.ok(Math.abs(o.self_ms - fromTrace.get(o.name)! / 1000) < 0.002 * o.calls, `${o.name}: ${o.self_ms} ms`);
  if (printed) assert.deepEqual(printed.operators, table.operators.slice(0, printed.operators.length));
  return table;
}

test('train --profile records steps, phases and operators into a Chrome trace and tables', async () => {
  const text = join(tmp, 'text');
  const json = join(tmp, 'json');
  const [t, j] = await Promise.all([
    cliAsync(['train', '--profile', String(STEPS), ...TINY, '--out', text]),
    cliAsync([
      'train',
      '--model',
      'gan-mlp',
      '--profile',
      String(STEPS),
      ...TINY,
      '--no-class-watch',
      '--out',
      json,
      '--json',
    ]),
  ]);
  assert.equal(t.status, 0, t.stderr);
  const table = checkProfile(text, null);
  const top = table.operators[0]!;
  assert.match(t.stdout, new RegExp(`^${top.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${top.calls}\\s`, 'm'));
  assert.match(t.stdout, /^backward\s+[\d.]+\s+[\d.]+\s+[\d.]+%/m);
  assert.match(t.stdout, /profile-trace\.json/);

  assert.equal(j.status, 0, j.stderr);
  const printed = jsonLines(j.stdout).find((l) => l.profile) as { profile: ProfileSummary } | undefined;
  assert.ok(printed, j.stdout);
  assert.equal(printed.profile.model, 'gan-mlp');
  checkProfile(json, printed.profile);
});

test('train --profile refuses what is not a positive number of steps', async () => {
  const cases: [string, RegExp][] = [
    ['0', /option --profile: 'profile' must be at least 1, got 0/],
    ['-1', /option --profile: 'profile' must be at least 1, got -1/],
    ['abc', /option --profile: expected a number, got 'abc'/],
    ['2.5', /option --profile: 'profile' must be an integer, got 2.5/],
  ];
  for (const [value, message] of cases) assert.throws(() => parseOption(COMMON, 'profile', value), message);
  // Through the command line (commander takes '-1' for a value, not a flag): the message, exit code 1, no run folder.
  const out = join(tmp, 'bad');
  const r = await cliAsync(['train', '--profile', '-1', '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, cases[1]![1]);
  assert.ok(!existsSync(out), 'nothing was written');
});
