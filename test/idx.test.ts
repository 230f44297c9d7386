import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as L from '../src/index.js';
import { tempDir } from './helpers.js';

const dir = tempDir('idx');

/** IDX bytes written by hand (big-endian), independent of the library's encoder. */
function idxBytes(type: number, shape: number[], values: number[]): Buffer {
  const width = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const buf = Buffer.alloc(4 + 4 * shape.length + values.length * width);
  buf[2] = type;
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  let o = 4 + 4 * shape.length;
  for (const v of values) {
    if (type === 0x08) buf.writeUInt8(v, o);
    else if (type === 0x09) buf.writeInt8(v, o);
    else if (type === 0x0b) buf.writeInt16BE(v, o);
    else if (type === 0x0c) buf.writeInt32BE(v, o);
    else if (type === 0x0d) buf.writeFloatBE(v, o);
    else buf.writeDoubleBE(v, o);
    o += width;
  }
  return buf;
}

function file(name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const SAMPLES: Record<number, number[]> = {
  0x08: [0, 1, 127, 255, 3, 9],
  0x09: [-128, -1, 0, 1, 127, 5],
  0x0b: [-32768, -2, 0, 300, 32767, 7],
  0x0c: [-(2 ** 31), -5, 0, 70000, 2 ** 31 - 1, 8],
  0x0d: [-1.5, 0, 0.25, Math.fround(3.5e10), Math.fround(1e-20), Math.fround(0.1)],
  0x0e: [-1.5, 0, Math.PI, 1e300, -1e-300, 0.1],
};

for (const [type, values] of Object.entries(SAMPLES)) {
  test(`IDX type 0x${Number(type).toString(16)} reads back exactly, raw and gzipped`, async () => {
    const raw = idxBytes(Number(type), [2, 3], values);
    for (const [name, bytes] of [
      [`t${type}.idx`, raw],
      [`t${type}.idx.gz`, gzipSync(raw)],
    ] as const) {
      const idx = await L.data.readIdx(file(name, bytes));
      assert.equal(idx.type, Number(type));
      assert.deepEqual(idx.shape, [2, 3]);
      assert.deepEqual(Array.from(idx.data), values);
    }
    const encoded = L.data.encodeIdx(Number(type), [2, 3], values);
    assert.deepEqual(encoded, raw, 'the encoder writes the same bytes');
  });
}

test('bad IDX files give errors naming the file and the problem', async () => {
  const good = idxBytes(0x08, [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const cases: [string, Buffer, RegExp][] = [
    [
      'magic.idx',
      Buffer.concat([Buffer.from([0x12, 0x34]), good.subarray(2)]),
      /not an IDX file: wrong magic number 0x12340802/,
    ],
    ['type0a.idx', Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 0]), /unknown IDX element type 0x0a/],
    [
      'truncated.idx',
      good.subarray(0, good.length - 3),
      /truncated: header promises \[4 x 2\] uint8 \(8 bytes\) but only 5 bytes follow/,
    ],
    ['promises-more.idx', idxBytes(0x0c, [1000], [1, 2, 3]), /truncated: header promises \[1000\] int32/],
    ['header-only.idx', good.subarray(0, 6), /truncated: only 6 bytes, not even a full IDX header/],
    ['trailing.idx', Buffer.concat([good, Buffer.from([9, 9])]), /bytes after the 8 bytes of data/],
    ['plain.gz', good, /named .gz but is not gzip data/],
    ['corrupt.gz', Buffer.concat([gzipSync(good).subarray(0, 12), Buffer.alloc(30, 7)]), /corrupt gzip data/],
  ];
  for (const [name, bytes, re] of cases) {
    const p = file(name, bytes);
    await assert.rejects(
      L.data.readIdx(p),
      (e: Error) => e instanceof L.data.IdxError && e.message.startsWith(p) && re.test(e.message),
      name,
    );
  }
  await assert.rejects(L.data.readIdx(join(dir, 'missing.idx')), /missing\.idx: cannot read: ENOENT/);
});

test('an images/labels pair of different counts is refused and nothing is loaded', async () => {
  const images = file('img.idx', idxBytes(0x08, [3, 2, 2], Array<number>(12).fill(1)));
  const labels = file('lab.idx', idxBytes(0x08, [2], [0, 1]));
  const live = L.liveTensors();
  await assert.rejects(
    L.data.loadIdxPair('pair', images, labels),
    /img\.idx holds 3 images but .*lab\.idx holds 2 labels/,
  );
  assert.equal(L.liveTensors(), live);
  const ok = await L.data.loadIdxPair('pair', images, file('lab3.idx', idxBytes(0x08, [3], [0, 2, 1])));
  assert.deepEqual(ok.images.shape, [3, 1, 2, 2]);
  assert.deepEqual(ok.labels.toArray(), [0, 2, 1]);
  assert.deepEqual(ok.classNames, ['0', '1', '2']);
  ok.dispose();
});

test('the embedded MNIST loads with its known counts and mean', async () => {
  const train = await L.data.loadMnist('train');
  const t0 = performance.now();
  const testSet = await L.data.loadMnist('test');
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(train.images.shape, [60000, 1, 28, 28]);
  assert.equal(testSet.length, 10000);
  assert.deepEqual(train.classCounts(), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  const mean = L.tidy(() => train.images.to('float64').mean().item() / 255);
  assert.ok(Math.abs(mean - 0.1307) < 5e-5, `mean pixel ${mean}`);
  assert.ok(seconds < 5, `loading the test set took ${seconds} s`);
  train.dispose();
  testSet.dispose();
});
