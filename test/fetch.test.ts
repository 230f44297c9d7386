/**
 * The download code against a real HTTP server on 127.0.0.1 serving Debian's Fashion-MNIST
 * files, a corrupted copy, and nothing (404). Needs dataset-fashion-mnist (scripts/setup.sh).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as L from '../src/index.js';
import { assertBytesEqual, tempDir } from './helpers.js';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const skip = existsSync(join(DEBIAN, 'train-labels-idx1-ubyte.gz'))
  ? false
  : 'dataset-fashion-mnist is not installed (run scripts/setup.sh)';
const root = tempDir('fetch');
let server: Server;
let base = '';
const requests: string[] = [];

before(async () => {
  if (skip) return;
  // good/: Debian's files as they are. bad/: the same, but one label flipped inside a valid gzip.
  mkdirSync(join(root, 'www', 'good'), { recursive: true });
  mkdirSync(join(root, 'www', 'bad'), { recursive: true });
  for (const f of readdirSync(DEBIAN)) {
    copyFileSync(join(DEBIAN, f), join(root, 'www', 'good', f));
    copyFileSync(join(DEBIAN, f), join(root, 'www', 'bad', f));
  }
  const labels = gunzipSync(readFileSync(join(DEBIAN, 't10k-labels-idx1-ubyte.gz')));
  labels[100] = (labels[100]! + 1) % 10;
  writeFileSync(join(root, 'www', 'bad', 't10k-labels-idx1-ubyte.gz'), gzipSync(labels));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const p = join(root, 'www', (req.url ?? '').replace(/\.\./g, ''));
    if (!existsSync(p)) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = readFileSync(p);
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});

after(() => server?.close());

test('fetch downloads, verifies and installs the four files; the dataset then loads', { skip }, async () => {
  const dir = join(root, 'cache-good');
  const got = await L.data.fetchDataset('fashion-mnist', { baseUrl: `${base}/good/`, dir });
  assert.equal(got, dir);
  assert.deepEqual(readdirSync(dir).sort(), [
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
  ]);
  for (const f of readdirSync(dir)) assertBytesEqual(readFileSync(join(dir, f)), readFileSync(join(DEBIAN, f)), f);
  const ds = await L.data.loadBuiltin('fashion-mnist', 'test', dir);
  assert.equal(ds.length, 10000);
  assert.deepEqual(ds.classCounts(), new Array(10).fill(1000));
  ds.dispose();
  // A second fetch finds the files intact and downloads nothing.
  const n = requests.length;
  await L.data.fetchDataset('fashion-mnist', { baseUrl: `${base}/good/`, dir });
  assert.equal(requests.length, n);
});

test('a download whose checksum does not match leaves no file in the cache', { skip }, async () => {
  const dir = join(root, 'cache-bad');
  await assert.rejects(
    L.data.fetchDataset('fashion-mnist', { baseUrl: `${base}/bad/`, dir }),
    /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/bad\/t10k-labels-idx1-ubyte\.gz: content SHA-256 is [0-9a-f]{64}, expected 0402a96d/,
  );
  assert.deepEqual(readdirSync(dir), [], 'no file, not even the three good ones or a temporary file');
});

test('a missing file on the server is a clear error and leaves nothing', { skip }, async () => {
  const dir = join(root, 'cache-404');
  await assert.rejects(
    L.data.fetchDataset('fashion-mnist', { baseUrl: `${base}/nothing-here/`, dir }),
    /cannot download http:\/\/127\.0\.0\.1:\d+\/nothing-here\/train-images-idx3-ubyte\.gz: HTTP 404/,
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('an unknown dataset name and a missing dataset name the command that gets it', async () => {
  await assert.rejects(
    L.data.fetchDataset('cifar-99'),
    /unknown dataset 'cifar-99' \(built in: mnist, fashion-mnist\)/,
  );
  const err = new L.data.DatasetMissingError(L.data.BUILTIN['fashion-mnist']!, '/nowhere');
  assert.match(
    err.message,
    /dataset fashion-mnist is not installed \(looked in \/nowhere, .*\)\. Get it with: apt-get install dataset-fashion-mnist\s+\(or: latentlab data fetch fashion-mnist\)/,
  );
});
