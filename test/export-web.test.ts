/**
 * The exported explorer (`export --format web`): the folder, served by a plain static file
 * server (Python's http.server) on 127.0.0.1 and opened in Chromium, decodes the point under
 * the mouse in the browser (onnxruntime-web on decoder.onnx), and no request leaves the
 * machine. A failed export writes nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { exportRun } from '../src/export/index.js';
import { ORT_WASM } from '../src/wire/site-files.js';
import type { SiteData } from '../src/wire/types.js';
import { decodedPixels, hover, launch, meanDiff, openPage } from './browser.js';
import { tinyRun } from './fixtures.js';
import { assertBytesEqual, repoRoot, tempDir } from './helpers.js';

const root = tempDir('site');
/** Screenshots: $LATENTLAB_SCREENSHOTS, or a temporary folder removed at the end. */
const shots = process.env.LATENTLAB_SCREENSHOTS ?? tempDir('shots');
const site = join(root, 'site');
let http: ChildProcess;
let origin: string;
let browser: Browser;

before(async () => {
  await tinyRun(join(root, 'z2'), { limit: 2048, epochs: 2 });
  await exportRun(join(root, 'z2'), { format: 'web', out: site });
  http = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', site], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  origin = await new Promise<string>((resolve) => {
    createInterface({ input: http.stdout! }).on('line', (l) => {
      const port = /port (\d+)/.exec(l)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  http?.kill();
});

test('the export holds the page, the bundle, the ONNX decoder and the map data', () => {
  const files = readdirSync(site);
  for (const f of ['index.html', 'decoder.onnx', 'site.json', 'assets', ORT_WASM])
    assert.ok(files.includes(f), `missing ${f}`);
  // The wasm is the installed onnxruntime-web's own file, not a second copy in the package's dist/.
  assertBytesEqual(
    readFileSync(join(site, ORT_WASM)),
    readFileSync(createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WASM}`)),
  );
  assert.ok(!readdirSync(join(repoRoot, 'dist', 'web-site', 'assets')).some((f) => f.endsWith('.wasm')));
  const data = JSON.parse(readFileSync(join(site, 'site.json'), 'utf8')) as SiteData;
  assert.equal(data.info.latent, 2);
  assert.equal(data.map!.points.length, 1000);
  assert.equal(Buffer.from(data.tests!.data, 'base64').length, 1000 * 784);
  const html = readFileSync(join(site, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /https?:\/\//, 'the page refers to another host');
});

test('served statically, the page decodes under the mouse in the browser, with no request leaving 127.0.0.1', async () => {
  const requests: string[] = [];
  const p = await openPage(browser, `${origin}/`, requests);
  await p.waitForSelector('[data-testid=decoded][data-decodes]', { timeout: 60000 });
  await hover(p, 0.25, 0.5);
  const left = await decodedPixels(p);
  await hover(p, 0.75, 0.5);
  const right = await decodedPixels(p);
  assert.ok(
    meanDiff(left, right) > 3,
    `the image barely changed (mean difference ${meanDiff(left, right).toFixed(2)})`,
  );
  assert.match((await p.textContent('main'))!, /onnxruntime-web/);
  await p.screenshot({ path: join(shots, 'web-export.png'), fullPage: true });
  await p.close();
  assert.ok(requests.some((u) => u.endsWith('decoder.onnx')) && requests.some((u) => u.endsWith('.wasm')));
  assert.deepEqual(
    requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
    [],
  );
});

test('an export that fails writes nothing', async () => {
  const out = join(root, 'never');
  await assert.rejects(exportRun(join(root, 'no-such-run'), { format: 'web', out }), /no run at/);
  await assert.rejects(exportRun(join(root, 'z2'), { format: 'tflite', out }), /unknown export format 'tflite'/);
  assert.ok(!existsSync(out));
});
