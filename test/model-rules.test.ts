/**
 * The rules of the model interface, checked over the source: no code outside src/models/
 * compares a model's name, tests a family by a piece of it ('gan', 'ae-'), switches on it, or
 * holds a list of model names; the web page neither. The report's experiment plans name the
 * models they run and are exempt, each by name. Every registered model's options obey the
 * naming rule, and the registry holds the list and nothing else.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { models } from '../src/models/registry.js';
import { COMMON, runSchema } from '../src/train/config.js';
import { repoRoot } from './helpers.js';

/** Experiment plans: they say which models the report trains. */
const EXEMPT = [
  'src/report/autoencoder.ts',
  'src/report/beta.ts',
  'src/report/decoders.ts',
  'src/report/estimate.ts',
  'src/report/gans.ts',
  'src/report/latent-family.ts',
  'src/report/plan.ts',
  'src/report/vae-conv.ts',
  'src/report/vae-mlp.ts',
];
/** Pieces of names that stand for a family. */
const FRAGMENTS = ['gan', 'vae', 'ae', 'ae-', 'vae-', '-mlp', '-conv', 'mlp', 'conv', 'wgan'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.ts$/.test(f) ? [p] : [];
  });
}

/** The lines of `text` that branch on a model name, or hold two or more of them. */
function modelBranches(text: string, names: string[]): string[] {
  const alt = names.map((n) => n.replace(/[-]/g, '\\-')).join('|');
  const quoted = `['"\`](?:${alt})['"\`]`;
  const patterns = [
    new RegExp(`(?:===|!==|==|!=)\\s*${quoted}`),
    new RegExp(`${quoted}\\s*(?:===|!==|==|!=)`),
    new RegExp(`\\bcase\\s+${quoted}\\s*:`),
    new RegExp(
      `\\.(?:includes|startsWith|endsWith)\\(\\s*['"\`](?:${[...FRAGMENTS, ...names].map((f) => f.replace(/-/g, '\\-')).join('|')})['"\`]`,
    ),
  ];
  const hits = text.split('\n').filter((line) => patterns.some((p) => p.test(line)));
  const listed = new Set([...text.matchAll(new RegExp(quoted, 'g'))].map((m) => m[0].slice(1, -1)));
  if (listed.size >= 2) hits.push(`names ${[...listed].sort().join(', ')}`);
  return hits;
}

test('the detector finds each kind of model branch (so that the next test can fail)', () => {
  const names = models().map((m) => m.name);
  for (const bad of [
    "if (c.model === 'wgan-gp') lr = 1e-4;",
    "const gan = m.includes('gan');",
    "if (c.model.startsWith('ae-')) return;",
    "switch (name) { case 'dcgan': break; }",
    "const VAES = ['vae-mlp', 'vae-conv'];",
    "if ('cvae' !== model) {}",
  ])
    assert.ok(modelBranches(bad, names).length > 0, bad);
  assert.deepEqual(modelBranches("export const DEFAULT_MODEL = 'vae-mlp';", names), []);
  assert.deepEqual(modelBranches("if (key === 'beta') return;", names), []);
});

test('no code outside src/models/ branches on a model name or lists model names (src/report plans exempt)', () => {
  const names = models().map((m) => m.name);
  const files = [...sources(join(repoRoot, 'src')), ...sources(join(repoRoot, 'web', 'src'))]
    .map((f) => relative(repoRoot, f))
    .filter((f) => !f.startsWith('src/models/') && !EXEMPT.includes(f));
  assert.ok(files.length > 100, `${files.length} files scanned`);
  const found = files.flatMap((f) =>
    modelBranches(readFileSync(join(repoRoot, f), 'utf8'), names).map((line) => `${f}: ${line.trim()}`),
  );
  assert.deepEqual(found, []);
  for (const f of EXEMPT) statSync(join(repoRoot, f)); // an exempt file that is gone must leave this list
});

test("every model's options follow the naming rule, and the registry is a list of declarations", () => {
  for (const m of models()) {
    const schema = runSchema(m); // throws on a clash
    for (const k of Object.keys(m.options)) assert.ok(!(k in COMMON), `${m.name}.${k}`);
    assert.ok(Object.keys(schema).length >= Object.keys(COMMON).length);
    assert.ok(m.metrics.length > 0 && m.description.length > 10, m.name);
    if (m.monitor)
      assert.ok(
        m.metrics.some((d) => d.key === m.monitor),
        `${m.name} monitors a declared metric`,
      );
  }
  const registry = readFileSync(join(repoRoot, 'src', 'models', 'registry.ts'), 'utf8');
  const imports = [...registry.matchAll(/^import (\w+) from '\.\/([\w-]+)\/index\.js';$/gm)].map((m) => m[2]);
  assert.deepEqual(
    imports.sort(),
    models()
      .map((m) => m.name)
      .sort(),
    'one import line per model folder',
  );
});
