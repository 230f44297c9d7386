import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as L from '../src/index.js';

/** A tiny dataset: image i is filled with the value 10*i, label i % 3. */
function tiny(n = 12): L.data.ImageDataset {
  const pixels = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) pixels.fill(10 * i, i * 4, i * 4 + 4);
  return L.data.ImageDataset.fromArrays({
    name: 'tiny',
    pixels,
    labels: Array.from({ length: n }, (_, i) => i % 3),
    shape: [1, 2, 2],
    classNames: ['a', 'b', 'c'],
  });
}
const ids = (ds: L.data.ImageDataset): number[] =>
  L.tidy(() =>
    ds.images
      .select(1, 0)
      .select(1, 0)
      .select(1, 0)
      .toArray()
      .map((v) => v / 10),
  );

test('class filtering keeps the labels; take and counts', () => {
  const ds = tiny();
  assert.deepEqual(ds.classCounts(), [4, 4, 4]);
  const sevens = ds.filterClasses([1]);
  assert.deepEqual(ids(sevens), [1, 4, 7, 10]);
  assert.deepEqual(sevens.labels.toArray(), [1, 1, 1, 1]);
  assert.deepEqual(ids(ds.filterClasses([0, 2]).take(3)), [0, 2, 3]);
  assert.throws(() => ds.filterClasses([3]), /no class 3 \(classes are 0 to 2\)/);
});

test('a validation split is seeded, disjoint and complete', () => {
  const ds = tiny(20);
  const [train, val] = ds.split(0.25, 7);
  assert.equal(val.length, 5);
  assert.equal(train.length, 15);
  assert.deepEqual(
    [...ids(train), ...ids(val)].sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.deepEqual(ids(ds.split(0.25, 7)[1]), ids(val), 'same seed, same split');
  assert.notDeepEqual(ids(ds.split(0.25, 8)[1]), ids(val), 'another seed, another split');
  assert.throws(() => ds.split(1.5), /between 0 and 1/);
});

test('the batch loader: sizes, seeded shuffling, flattening', () => {
  const ds = tiny(10);
  const loader = new L.data.BatchLoader(ds, { batchSize: 4, flatten: true });
  assert.equal(loader.numBatches, 3);
  const order = (): number[] => {
    const seen: number[] = [];
    for (const b of loader.epoch())
      L.tidy(() =>
        seen.push(
          ...b
            .load()
            .x.select(1, 0)
            .toArray()
            .map((v) => Math.round((v * 255) / 10)),
        ),
      );
    return seen;
  };
  L.manualSeed(3);
  const first = order();
  assert.deepEqual(
    [...first].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  L.manualSeed(3);
  assert.deepEqual(order(), first);
  assert.notDeepEqual(order(), first, 'the next epoch has another order');
  const sizes = [...new L.data.BatchLoader(ds, { batchSize: 4, dropLast: true }).epoch()].map((b) => b.size);
  assert.deepEqual(sizes, [4, 4]);
  const inOrder = new L.data.BatchLoader(ds, { batchSize: 10, shuffle: false });
  L.tidy(() => {
    const { x, y } = [...inOrder.epoch()][0]!.load();
    assert.deepEqual(x.shape, [10, 1, 2, 2]);
    assert.deepEqual(y.toArray(), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    assert.equal(y.dtype, 'int64');
  });
  assert.throws(() => new L.data.BatchLoader(ds, { batchSize: 0 }), /batch size must be a positive integer/);
});

test('binarization: none keeps grey levels, static thresholds at 0.5, dynamic draws with p = the pixel', () => {
  const pixels = new Uint8Array(2000).fill(64);
  pixels.fill(200, 0, 1000);
  const ds = L.data.ImageDataset.fromArrays({
    name: 'grey',
    pixels,
    labels: [0, 1],
    shape: [1, 20, 50],
    classNames: ['a', 'b'],
  });
  const load = (binarize: L.data.Binarize): number[] =>
    L.tidy(() =>
      [...new L.data.BatchLoader(ds, { batchSize: 2, shuffle: false, binarize }).epoch()][0]!.load().x.toArray(),
    );
  const none = load('none');
  assert.ok(Math.abs(none[0]! - 200 / 255) < 1e-7 && Math.abs(none[1500]! - 64 / 255) < 1e-7);
  const stat = load('static');
  assert.deepEqual([stat[0], stat[1500]], [1, 0]);
  L.manualSeed(0);
  const dyn = load('dynamic');
  assert.ok(dyn.every((v) => v === 0 || v === 1));
  const meanBright = dyn.slice(0, 1000).reduce((a: number, b) => a + b, 0) / 1000;
  const meanDark = dyn.slice(1000).reduce((a: number, b) => a + b, 0) / 1000;
  assert.ok(Math.abs(meanBright - 200 / 255) < 0.05, `bright ${meanBright}`);
  assert.ok(Math.abs(meanDark - 64 / 255) < 0.05, `dark ${meanDark}`);
});

test('loadDataset: built-in names with options, and clear errors', async () => {
  const sevens = await L.data.loadDataset({ dataset: 'mnist', split: 'test', classes: [7], limit: 100 });
  assert.equal(sevens.length, 100);
  assert.deepEqual(new Set(sevens.labels.toArray()), new Set([7]));
  await assert.rejects(
    L.data.loadDataset({ dataset: 'nope' }),
    /unknown dataset 'nope': not a built-in name \(mnist, fashion-mnist\), a folder, or an IMAGES,LABELS pair/,
  );
  await assert.rejects(L.data.loadDataset({ dataset: 'mnist', classes: [12] }), /no class 12/);
});
