/**
 * The README's library examples run as written, on less data: each `ts` block of "## The
 * library" is written to a file with 'latentlab' pointing at this checkout's src/index.ts, the
 * MNIST training set cut to 512 images and the epochs to 1, and run with tsx.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from './helpers.js';

const tmp = tempDir('readme');

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## The library'),
  readme.indexOf('\n## ', readme.indexOf('## The library') + 5),
);
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** The example on tiny data: the same code, with fewer images and epochs. */
function shrink(code: string): string {
  return code
    .replaceAll("from 'latentlab'", `from '${join(repoRoot, 'src', 'index.ts')}'`)
    .replace(/epochs: \d+/g, 'epochs: 1, limit: 512, threads: 1')
    .replace("await datasets.loadMnist('train')", "(await datasets.loadMnist('train')).take(512)");
}

test('the README has its three library examples', () => {
  assert.equal(blocks.length, 3, section);
});

blocks.forEach((code, i) => {
  test(`README library example ${i + 1} runs`, () => {
    const file = join(tmp, `example-${i + 1}.mts`);
    writeFileSync(file, shrink(code));
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], {
      cwd: tmp,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    if (code.includes('workflow.trainRun'))
      assert.match(r.stdout, /epoch 1: test -ELBO [\d.]+ nats\n1 epochs; pictures: .*samples\.png/);
    if (code.includes('trainingStep')) assert.match(r.stdout, /step 0: -ELBO [\d.]+/);
  });
});
