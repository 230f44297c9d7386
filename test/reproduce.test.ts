/**
 * `latentlab reproduce --tiny` end to end, as a user runs it: every section produces its
 * numbers (finite), tables and pictures (each file referenced by the HTML exists and decodes),
 * the numbers are those `latentlab eval` gives for the same run, and a second invocation
 * reuses the finished runs and keeps the other sections of the report.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { SECTION_IDS } from '../src/report/reproduce.js';
import type { Report } from '../src/report/types.js';
import { decodePng } from '../src/viz/grid.js';
import { cli, jsonLines, tempDir } from './helpers.js';

const tmp = tempDir('reproduce');
const out = join(tmp, 'report');
const resultsMd = join(tmp, 'docs', 'RESULTS.md');

/** The commands run in the test's folder; the tiny feature network is trained into a cache of the test's own. */
const inTmp = { cwd: tmp, env: { LATENTLAB_CACHE: join(tmp, 'cache') } };

const readReport = (): Report => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;

/** Every null in a JSON value, by path (report.json holds none: a NaN would have become one). */
function nulls(v: unknown, path = ''): string[] {
  if (v === null) return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => nulls(x, `${path}[${i}]`));
  if (typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => nulls(x, `${path}.${k}`));
  return [];
}

async function assertPicture(bytes: Buffer, what: string): Promise<void> {
  const magic = bytes.subarray(0, 6).toString('latin1');
  assert.ok(magic.startsWith('\x89PNG') || magic === 'GIF89a', `${what} is neither PNG nor GIF`);
  const img = await decodePng(bytes);
  assert.ok(img.width > 10 && img.height > 10, `${what}: ${img.width}x${img.height}`);
}

test('reproduce --tiny: every section, its numbers and its pictures', { timeout: 15 * 60_000 }, async () => {
  const r = cli(['reproduce', '--tiny', '--out', out, '--results-md', resultsMd, '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const plan = lines[0] as { steps: number; expected_seconds: number };
  assert.ok(plan.steps > SECTION_IDS.length && plan.expected_seconds > 0, JSON.stringify(plan));
  assert.equal(lines.filter((l) => l.step !== undefined).length, plan.steps, 'one line per step');
  assert.equal(lines.at(-1)!.complete, true);

  const report = readReport();
  assert.deepEqual(
    report.sections.map((s) => s.id),
    SECTION_IDS,
  );
  assert.deepEqual(nulls(report), []);
  for (const s of report.sections) {
    assert.ok(s.figures.length > 0, `${s.id} has pictures`);
    assert.ok(s.numbers.length + s.tables.length > 0, `${s.id} has numbers`);
    for (const n of s.numbers)
      assert.ok(
        Number.isFinite(n.value) && n.command.startsWith('latentlab '),
        `${s.id}: ${n.label} = ${n.value} (${n.command})`,
      );
    for (const t of s.tables) {
      assert.ok(t.rows.length > 0 && t.rows.every((row) => row.length === t.columns.length), `${s.id}: ${t.caption}`);
      for (const v of t.rows.flat())
        assert.ok(typeof v === 'string' || Number.isFinite(v), `${s.id}: ${t.caption} holds ${v}`);
    }
    for (const run of s.runs)
      assert.ok(
        existsSync(join(out, run.dir, 'model.safetensors')) && run.command.startsWith('latentlab train --model'),
        run.dir,
      );
  }

  // Every picture the page shows exists and decodes.
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const sources = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(
    sources.length,
    report.sections.reduce((a, s) => a + s.figures.length, 0),
  );
  for (const src of sources) await assertPicture(readFileSync(join(out, src)), src);
  assert.ok(!/<script/i.test(html), 'no scripts');

  // The Markdown page and its copied pictures.
  const md = readFileSync(resultsMd, 'utf8');
  const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(images.length >= SECTION_IDS.length, `${images.length} pictures in RESULTS.md`);
  for (const f of images) await assertPicture(readFileSync(join(dirname(resultsMd), f)), f);
});

test('the numbers are those of `latentlab eval`, `anomaly` and `quality` (--sampler) on the same runs', () => {
  const report = readReport();
  const numbers = report.sections.flatMap((s) => s.numbers);
  const byCommand = (prefix: string): { label: string; value: number; command: string } =>
    numbers.find((n) => n.command.startsWith(prefix) && n.label.includes('importance-weighted'))!;
  const iw = byCommand('latentlab eval --run');
  const evalArgs = iw.command.replace(/^latentlab /, '').split(' ');
  const e = jsonLines(cli([...evalArgs, '--json'], inTmp).stdout).at(-1) as { iw_nll: number };
  assert.equal(e.iw_nll, iw.value, iw.command);

  const auroc = numbers.find((n) => n.label.includes('AUROC of the calibrated'))!;
  const a = jsonLines(cli([...auroc.command.replace(/^latentlab /, '').split(' '), '--json'], inTmp).stdout).at(-1) as {
    scores: { score: string; auroc: number }[];
  };
  assert.equal(a.scores.find((s) => s.score === 'calibrated')!.auroc, auroc.value, auroc.command);

  const fid = numbers.find((n) => n.label.startsWith('dcgan: FID'))!;
  const q = jsonLines(cli([...fid.command.replace(/^latentlab /, '').split(' '), '--json'], inTmp).stdout).at(-1) as {
    fid: number;
  };
  assert.equal(q.fid, fid.value, fid.command);

  // The latent-family section scores its samplers with the test set's features computed once: still `quality`'s numbers.
  const gmm = numbers.find((n) => n.label.startsWith('rae + gmm'))!;
  assert.match(gmm.command, / --sampler gmm /);
  const g = jsonLines(cli([...gmm.command.replace(/^latentlab /, '').split(' '), '--json'], inTmp).stdout).at(-1) as {
    fid: number;
  };
  assert.equal(g.fid, gmm.value, gmm.command);
});

test('a second reproduce reuses the finished runs and keeps the other sections', async () => {
  const before = readReport();
  const r = cli(['reproduce', '--tiny', '--out', out, '--sections', 'vae-mlp,divergence', '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const messages = jsonLines(r.stdout).map((l) => (typeof l.message === 'string' ? l.message : ''));
  assert.ok(
    messages.some((m) => /reused the finished run in .*vae-mlp-z2$/.test(m)),
    messages.join('\n'),
  );
  const after = readReport();
  assert.deepEqual(
    after.sections.map((s) => s.id),
    SECTION_IDS,
  );
  assert.equal(after.complete, true);
  assert.equal(after.command, before.command, 'the first command is kept');
  assert.deepEqual(after.updates, [`latentlab reproduce --tiny --out ${out} --sections vae-mlp,divergence`]);
  assert.deepEqual(
    after.sections.find((s) => s.id === 'vae-mlp')!.numbers,
    before.sections.find((s) => s.id === 'vae-mlp')!.numbers,
  );
  assert.ok(after.sections.find((s) => s.id === 'vae-mlp')!.runs.every((run) => run.reused));

  // One file to pass around: the pictures inlined.
  const inline = cli(['reproduce', '--out', out, '--render-only', '--inline-images', '--json'], inTmp);
  assert.equal(inline.status, 0, inline.stderr);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const uris = [...html.matchAll(/<img src="data:image\/(png|gif);base64,([^"]+)"/g)];
  assert.equal(
    uris.length,
    after.sections.reduce((a, s) => a + s.figures.length, 0),
  );
  await assertPicture(Buffer.from(uris[0]![2]!, 'base64'), 'an inlined picture');
});

test('reproduce refuses a run folder trained with other settings', () => {
  const r = cli(['reproduce', '--quick', '--out', out, '--sections', 'vae-mlp'], inTmp);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /holds a run with other settings \(limit: 500 there, 10000 planned; epochs: 1 there, 5 planned\): remove it, or give another --out/,
  );
});

test('each run names the train command that makes it, and the page escapes its text', async () => {
  const { trainCommandLine } = await import('../src/report/runs.js');
  const { normalRunConfig } = await import('../src/workflow/anomaly.js');
  const { escapeHtml } = await import('../src/report/html.js');
  const c = normalRunConfig({ model: 'vae-mlp', dataset: 'mnist', classes: [7], latent: 2, epochs: 20, seed: 0 });
  assert.equal(
    trainCommandLine(c, 'report/runs/anomaly 7'),
    // The common settings first, then the model's own options.
    "latentlab train --model vae-mlp --classes 7 --binarize none --epochs 20 --val-fraction 0.1 --latent 2 --out 'report/runs/anomaly 7'",
  );
  assert.equal(escapeHtml(`<img src="x" onerror='y'>&`), '&lt;img src=&quot;x&quot; onerror=&#39;y&#39;&gt;&amp;');
});
