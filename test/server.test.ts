/**
 * The web server's API: runs, decoding (the same pixels as the engine), the latent map and its
 * projection, the training dashboard's jobs and event stream, stopping a run from the page,
 * and every kind of bad request refused with a 4xx and a clear message while the server goes on.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { createServer, type LatentlabServer } from '../src/server/app.js';
import type { ImageBatch, LatentMap } from '../src/wire/types.js';
import { tensor } from '../src/tensor/create.js';
import { tidy } from '../src/tensor/scope.js';
import { readLive } from '../src/train/live.js';
import { openRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { cliArgs } from '../src/util/cli-entry.js';
import { decodeLatents } from '../src/inference/latent.js';
import { tinyRun } from './fixtures.js';
import { tempDir } from './helpers.js';
import { toPixels } from '../src/viz/pixels.js';

const root = tempDir('server');
let server: LatentlabServer;

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  server.app.inject({
    method,
    url,
    ...(payload === undefined
      ? {}
      : {
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
          headers: { 'content-type': 'application/json', ...headers },
        }),
  });

before(async () => {
  await tinyRun(join(root, 'z2'));
  await tinyRun(join(root, 'z3'), { latent: 3 });
  await tinyRun(join(root, 'gan'), { model: 'gan-mlp', hidden: 32, latent: 4 });
  server = await createServer({ runsDir: root, mapLimit: 300 });
});

after(async () => {
  await server.close();
});

test('lists the runs with their last epoch', async () => {
  const r = await inject('GET', '/api/runs');
  assert.equal(r.statusCode, 200);
  const runs = r.json<{ name: string; epochs_done: number; training: boolean }[]>();
  assert.deepEqual(runs.map((x) => x.name).sort(), ['gan', 'z2', 'z3']);
  assert.ok(runs.every((x) => x.epochs_done === 1 && !x.training));
  const detail = (await inject('GET', '/api/runs/z2')).json<{
    metrics: unknown[];
    metric_info: { key: string; label: string }[];
    config: { latent: number };
  }>();
  assert.equal(detail.metrics.length, 1);
  // The model's declared metrics travel with the run, for the curves and the runs table.
  assert.deepEqual(
    detail.metric_info.slice(0, 3).map((m) => m.label),
    ['-ELBO', 'recon', 'KL'],
  );
  assert.equal(detail.config.latent, 2);
});

test('decodes latent vectors to exactly the pixels the engine gives', async () => {
  const z = [
    [0.5, -1.2],
    [0, 0],
    [2, 1],
  ];
  const r = await inject('POST', '/api/runs/z2/decode', { z });
  assert.equal(r.statusCode, 200, r.body);
  const batch = r.json<ImageBatch>();
  assert.deepEqual([batch.n, batch.channels, batch.height, batch.width], [3, 1, 28, 28]);
  const run = await openRun(join(root, 'z2'));
  const expected = tidy(() => toPixels(decodeLatents(run.model, tensor(z))).pixels);
  run.dispose();
  assert.deepEqual(new Uint8Array(Buffer.from(batch.data, 'base64')), expected);
  // Different points give different images.
  const px = Buffer.from(batch.data, 'base64');
  assert.notDeepEqual(px.subarray(0, 784), px.subarray(784 * 2, 784 * 3));
});

test('the latent map: z=2 codes as they are; z>2 projected, with the projection that maps back', async () => {
  const m2 = (await inject('GET', '/api/runs/z2/latent-map')).json<{ map: LatentMap }>().map;
  assert.equal(m2.points.length, 300);
  assert.equal(m2.projection, null);
  assert.deepEqual(m2.points[5], m2.codes[5]);
  const m3 = (await inject('GET', '/api/runs/z3/latent-map?limit=200')).json<{ map: LatentMap }>().map;
  assert.equal(m3.codes[0]!.length, 3);
  const { mean, axes } = m3.projection!;
  for (const i of [0, 17, 199]) {
    const c = m3.codes[i]!.map((x, k) => x - mean[k]!);
    const uv = axes.map((a) => a.reduce((s, x, k) => s + x * c[k]!, 0));
    assert.ok(Math.abs(uv[0]! - m3.points[i]![0]) < 1e-3 && Math.abs(uv[1]! - m3.points[i]![1]) < 1e-3, `point ${i}`);
  }
  // Unit, orthogonal axes: a map point goes back to the latent plane it came from.
  const n = (a: number[]): number => Math.hypot(...a);
  assert.ok(Math.abs(n(axes[0]) - 1) < 1e-3 && Math.abs(n(axes[1]) - 1) < 1e-3);
  assert.ok(Math.abs(axes[0].reduce((s, x, k) => s + x * axes[1][k]!, 0)) < 1e-3);
  // A GAN has no encoder, hence no map, but decodes.
  assert.equal((await inject('GET', '/api/runs/gan/latent-map')).json<{ map: null }>().map, null);
  assert.equal((await inject('POST', '/api/runs/gan/decode', { z: [[0, 1, 0, -1]] })).statusCode, 200);
});

test('test images by index', async () => {
  const r = await inject('GET', '/api/runs/z2/test-images?indices=0,3');
  assert.equal(r.statusCode, 200);
  const b = r.json<ImageBatch>();
  assert.equal(b.n, 2);
  assert.equal(Buffer.from(b.data, 'base64').length, 2 * 784);
});

/** [request, expected status, a phrase the message must contain] */
const refusals: [() => ReturnType<typeof inject>, number, RegExp][] = [
  [() => inject('POST', '/api/runs/z2/decode', { z: [[0, 0, 0]] }), 400, /3 values but vae-mlp's latent space has 2/],
  [() => inject('POST', '/api/runs/z2/decode', '{"z":[[0,NaN]]}'), 400, /not valid JSON/],
  [() => inject('POST', '/api/runs/z2/decode', { z: [[0, null]] }), 400, /body\/z\/0\/1 must be number/],
  [() => inject('POST', '/api/runs/z2/decode', '{"z":[[0,1e999]]}'), 400, /must be number|finite/],
  [() => inject('POST', '/api/runs/z2/decode', { z: [['1', 0]] }), 400, /must be number/],
  [() => inject('POST', '/api/runs/z2/decode', { z: [] }), 400, /must NOT have fewer than 1 items/],
  [
    () => inject('POST', '/api/runs/z2/decode', { z: Array.from({ length: 257 }, () => [0, 0]) }),
    400,
    /must NOT have more than 256 items/,
  ],
  [() => inject('POST', '/api/runs/z2/decode', { z: [[0, 0]], extra: 1 }), 400, /must NOT have additional properties/],
  [() => inject('POST', '/api/runs/z2/decode', { z: [[0, 0]], label: 3 }), 400, /not conditional/],
  [() => inject('POST', '/api/runs/z2/decode', 'x'.repeat(2 << 20)), 413, /too large/],
  [() => inject('POST', '/api/runs/z2/decode', '[1,2]'), 400, /must be object/],
  [() => inject('POST', '/api/runs/nope/decode', { z: [[0, 0]] }), 404, /no run named 'nope'/],
  [() => inject('GET', '/api/runs/.hidden'), 400, /never a path/],
  [() => inject('GET', '/api/runs/z2/files/model.safetensors'), 400, /invalid file name/],
  [() => inject('GET', '/api/runs/z2/files/nothing.png'), 404, /has no file nothing.png/],
  [() => inject('GET', '/api/runs/z2/test-images?indices=1,x'), 400, /not a non-negative integer/],
  [() => inject('GET', '/api/runs/z2/test-images?indices=99999'), 400, /does not exist/],
  [() => inject('GET', '/api/runs/z2/latent-map?limit=0'), 400, /between 1 and 10000/],
  [() => inject('GET', '/api/runs/z2/samples.png?n=abc'), 400, /must be an integer/],
  [() => inject('GET', '/api/nothing'), 404, /no such endpoint/],
  [
    () => inject('POST', '/api/train', { name: '../escape', model: 'vae-mlp', dataset: 'mnist', latent: 2, epochs: 1 }),
    400,
    /body\/name must match pattern/,
  ],
  [
    () => inject('POST', '/api/train', { name: 'x', model: 'nope', dataset: 'mnist', latent: 2, epochs: 1 }),
    400,
    /body\/model must be equal to one of the allowed values/,
  ],
  [
    () => inject('POST', '/api/train', { name: 'x', model: 'vae-mlp', dataset: 'mnist', latent: 0, epochs: 1 }),
    400,
    /body\/latent must be >= 1/,
  ],
  [
    () => inject('POST', '/api/train', { name: 'z2', model: 'vae-mlp', dataset: 'mnist', latent: 2, epochs: 1 }),
    409,
    /already exists/,
  ],
  [() => inject('POST', '/api/runs/z2/stop', {}), 400, /is not training/],
];

test('bad requests get a 4xx with a clear message, and the server goes on', async () => {
  for (const [request, status, phrase] of refusals) {
    const r = await request();
    assert.equal(r.statusCode, status, `${r.statusCode} ${r.body.slice(0, 200)}`);
    const { error } = r.json<{ error: string }>();
    assert.match(error, phrase);
  }
  assert.equal((await inject('POST', '/api/runs/z2/decode', { z: [[0, 0]] })).statusCode, 200);
  assert.ok(!existsSync(join(root, 'escape')) && !existsSync(join(root, 'x')));
});

/** GET with the path sent exactly as written (fetch and inject would normalise '..' away). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('requests another web site could make through a browser are refused', async () => {
  const cases: [InjectOptions, number, RegExp][] = [
    [{ method: 'GET', url: '/api/runs', headers: { host: 'evil.example:8080' } }, 403, /not to host 'evil.example'/],
    [
      {
        method: 'POST',
        url: '/api/runs/z2/stop',
        payload: '{}',
        headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      },
      403,
      /requests from http:\/\/evil.example/,
    ],
    [
      {
        method: 'POST',
        url: '/api/runs/z2/stop',
        payload: '{}',
        headers: { 'content-type': 'application/json', origin: 'not a url' },
      },
      403,
      /requests from not a url/,
    ],
    [
      { method: 'POST', url: '/api/runs/z2/stop', payload: 'x', headers: { 'content-type': 'text/plain' } },
      415,
      /as JSON/,
    ],
  ];
  for (const [request, status, phrase] of cases) {
    const r = await server.app.inject(request);
    assert.equal(r.statusCode, status, r.body);
    assert.match(r.json<{ error: string }>().error, phrase);
  }
});

test('paths that try to leave the runs folder are refused', async () => {
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const attempts: [string, RegExp][] = [
    ['/api/runs/..%2F..%2Fetc/model', /never a path/],
    ['/api/runs/%2e%2e/model', /never a path/],
    ['/api/runs/%2E%2E', /never a path/],
    [`/api/runs/${encodeURIComponent(root)}/model`, /never a path/],
    ['/api/runs/z2/files/..%2Fz3%2Fconfig.json', /invalid file name/],
    ['/api/runs/z2/files/%2e%2e%2f%2e%2e%2fpasswd.json', /invalid file name/],
    ['/api/runs/z2%00/model', /never a path/],
  ];
  for (const [path, phrase] of attempts) {
    const r = await rawGet(address, path);
    assert.ok(r.status === 400, `${path}: ${r.status} ${r.body}`);
    assert.match((JSON.parse(r.body) as { error: string }).error, phrase, path);
  }
  // Plain '..' segments: the HTTP layer resolves them before routing, so they reach no run at all.
  for (const path of ['/api/runs/../../../etc/passwd', '/api/runs/z2/files/../../z3/config.json']) {
    const r = await rawGet(address, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.ok(!r.body.includes('"latent"'), `${path} leaked a file: ${r.body.slice(0, 100)}`);
  }
});

/** Reads a server-sent event stream until `until` says stop (or the time is up). */
async function readEvents(
  url: string,
  until: (events: { event: string; data: unknown }[]) => boolean,
  ms = 60000,
): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
    if (until(events)) break;
  }
  await reader.cancel();
  return events;
}

test('the dashboard trains a run in a child process and streams its epochs', async () => {
  const address = server.app.listeningOrigin;
  const r = await inject('POST', '/api/train', {
    name: 'from-page',
    model: 'vae-mlp',
    dataset: 'mnist',
    latent: 2,
    epochs: 2,
    limit: 256,
  });
  assert.equal(r.statusCode, 202, r.body);
  const events = await readEvents(
    `${address}/api/runs/from-page/events`,
    (ev) =>
      ev.filter((e) => e.event === 'metrics').length >= 2 &&
      ev.some((e) => e.event === 'status' && !(e.data as { training: boolean }).training),
  );
  const epochs = events.filter((e) => e.event === 'metrics').map((e) => (e.data as { epoch: number }).epoch);
  assert.deepEqual(epochs, [1, 2]);
  assert.ok(events.some((e) => e.event === 'checkpoint'));
  assert.ok(events.some((e) => e.event === 'live' && (e.data as { state: string }).state === 'training'));
  assert.equal(server.jobs.job('from-page')!.exitCode, 0, server.jobs.job('from-page')!.stderr.join('\n'));
  assert.equal(readLive(join(root, 'from-page'))!.state, 'finished');
  const png = await inject('GET', '/api/runs/from-page/samples.png');
  assert.equal(png.statusCode, 200);
  assert.equal(png.rawPayload.subarray(1, 4).toString(), 'PNG');
});

test('the stop button checkpoints a run started in a terminal with --live, which then resumes', async () => {
  const dir = join(root, 'terminal');
  mkdirSync(root, { recursive: true });
  const child = spawn(
    process.execPath,
    cliArgs([
      'train',
      '--latent',
      '2',
      '--epochs',
      '200',
      '--limit',
      '4096',
      '--batch-size',
      '32',
      '--threads',
      '1',
      '--out',
      dir,
      '--live',
      '--json',
      '--no-pictures',
    ]),
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60000;
  while (!(readLive(dir)?.state === 'training' && readMetrics(dir).length >= 1) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  const listed = (await inject('GET', '/api/runs'))
    .json<{ name: string; training: boolean }[]>()
    .find((x) => x.name === 'terminal');
  assert.equal(listed?.training, true);
  const r = await inject('POST', '/api/runs/terminal/stop', {});
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(await exited, 130);
  const live = readLive(dir)!;
  assert.equal(live.state, 'stopped');
  const ck = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { epochs: number };
  assert.equal(ck.epochs, 200);
  assert.ok(readMetrics(dir).length < 200);
  assert.ok(existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'optimizer.safetensors')));
  assert.equal((await inject('POST', '/api/runs/terminal/stop', {})).statusCode, 400);
  const done = readMetrics(dir).length;
  const resumed = spawnSync(
    process.execPath,
    cliArgs(['train', '--resume', '--out', dir, '--epochs', String(done + 1), '--no-pictures', '--json']),
    { encoding: 'utf8' },
  );
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(
    readMetrics(dir).map((m) => m.epoch),
    Array.from({ length: done + 1 }, (_, i) => i + 1),
  );
  writeFileSync(join(dir, 'note.txt'), 'not served');
  assert.equal((await inject('GET', '/api/runs/terminal/files/note.txt')).statusCode, 400);
});

test('a web job holds its run: a trainer started in a terminal on the same folder is refused, naming the job', async () => {
  const name = 'locked-job';
  const started = await inject('POST', '/api/train', {
    name,
    model: 'vae-mlp',
    dataset: 'mnist',
    latent: 2,
    epochs: 500,
    limit: 4096,
  });
  assert.equal(started.statusCode, 202, started.body);
  const job = server.jobs.job(name)!;
  const deadline = Date.now() + 60000;
  while (readLive(join(root, name))?.state !== 'training' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  const terminal = spawnSync(
    process.execPath,
    cliArgs(['train', '--resume', '--out', join(root, name), '--no-pictures']),
    { encoding: 'utf8' },
  );
  assert.equal(terminal.status, 1, terminal.stderr);
  assert.match(terminal.stderr, new RegExp(`being written by another process: pid ${job.pid} `));
  assert.equal((await inject('POST', `/api/runs/${name}/stop`, {})).statusCode, 200);
  while (job.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(job.exitCode, 130, job.stderr.join('\n'));
  assert.ok(
    existsSync(join(root, name, 'optimizer.safetensors')),
    'the job checkpointed; the refused trainer wrote nothing',
  );
});

test('jobs: at most two at once; Stop twice sends one signal; closing the server checkpoints what trains', async () => {
  const long = (name: string) =>
    inject('POST', '/api/train', { name, model: 'vae-mlp', dataset: 'mnist', latent: 2, epochs: 500, limit: 4096 });
  assert.equal((await long('long-a')).statusCode, 202);
  assert.equal((await long('long-b')).statusCode, 202);
  const third = await long('long-c');
  assert.equal(third.statusCode, 409);
  assert.match(third.json<{ error: string }>().error, /at most 2 at once/);
  const deadline = Date.now() + 60000;
  const training = (run: string): boolean => readLive(join(root, run))?.state === 'training';
  while (!(training('long-a') && training('long-b')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  const first = await inject('POST', '/api/runs/long-a/stop', {});
  const second = await inject('POST', '/api/runs/long-a/stop', {});
  assert.equal(first.statusCode, 200);
  assert.equal(second.statusCode, 200);
  const a = server.jobs.job('long-a')!;
  while (a.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(a.exitCode, 130, a.stderr.join('\n')); // stopped with its checkpoint, not killed by a second SIGINT
  assert.equal(await server.jobs.close(), 1);
  assert.equal(server.jobs.job('long-b')!.exitCode, 130);
  for (const run of ['long-a', 'long-b']) {
    assert.equal(readLive(join(root, run))!.state, 'stopped');
    assert.ok(
      existsSync(join(root, run, 'model.safetensors')) && existsSync(join(root, run, 'optimizer.safetensors')),
      run,
    );
  }
});
