/**
 * House rules that a reader feels: every source file fits on a few screens (at most 300 lines),
 * so that a file is one idea with a name that says which.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers.js';

const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(e.name) ? [path] : [];
  });
}

test(`no file in src/ is over ${MAX_LINES} lines`, () => {
  const files = sourceFiles(join(repoRoot, 'src'));
  assert.ok(files.length > 100, `src/ has its TypeScript files (found ${files.length})`);
  const long = files
    .map((f) => ({ file: relative(repoRoot, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.file}: ${f.lines} lines`);
  assert.deepEqual(long, [], `split these files (at most ${MAX_LINES} lines each)`);
});
