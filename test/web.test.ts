/**
 * The web UI end to end, in a real browser (Debian's Chromium driven by playwright-core):
 * the explorer decodes the point under the mouse (the image changes, quickly), sliders and the
 * walk between two test images, the runs table and a comparison, the anomaly view, a training
 * started from the dashboard whose curve gains points, and a server with a token (the page keeps
 * the one its address gave). Every request stays on 127.0.0.1. Screenshots of these tiny runs go to $LATENTLAB_SCREENSHOTS or a temporary folder
 * that is removed at the end (the README's come from real runs: node dist/bench/screenshots.js).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { analyseRunDir } from '../src/workflow/anomaly.js';
import { createServer, DEFAULT_WEB_ROOT, type LatentlabServer } from '../src/server/app.js';
import { decodedMoreThan, decodedPixels, decodes, hover, launch, meanDiff, openPage } from './browser.js';
import { samplerForRun } from '../src/inference/samplers/for-run.js';
import { openRunSync } from '../src/train/open-run.js';
import { tinyRun } from './fixtures.js';
import { tempDir } from './helpers.js';

const root = tempDir('web');
const shots = process.env.LATENTLAB_SCREENSHOTS ?? tempDir('shots');
let server: LatentlabServer;
let browser: Browser;
let origin: string;
const requests: string[] = [];

before(async () => {
  assert.ok(
    existsSync(join(DEFAULT_WEB_ROOT, 'index.html')),
    'the web UI is not built: run bash scripts/setup.sh (or npm run build:web)',
  );
  mkdirSync(shots, { recursive: true });
  await tinyRun(join(root, 'mnist-z2'), { limit: 2048, epochs: 2 });
  await tinyRun(join(root, 'mnist-z8'), { limit: 1024, latent: 8 });
  const z8 = openRunSync(join(root, 'mnist-z8'));
  try {
    (await samplerForRun(z8, 'gmm', { components: 3 })).dispose(); // saved in the run: the explorer offers it
  } finally {
    z8.dispose();
  }
  await tinyRun(join(root, 'sevens'), { limit: 2048, epochs: 2, classes: [7], valFraction: 0.1 });
  await analyseRunDir(join(root, 'sevens'), { k: 4 });
  await tinyRun(join(root, 'gan'), { model: 'gan-mlp', latent: 4, limit: 512 });
  server = await createServer({ runsDir: root, mapLimit: 1000 });
  origin = await server.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const page = (hash: string): Promise<Page> => openPage(browser, `${origin}/${hash}`, requests);

test('the explorer decodes the point under the mouse, quickly', async (t) => {
  const p = await page('#/explore/mnist-z2');
  await p.waitForSelector('[data-testid=decoded][data-decodes]');
  await hover(p, 0.25, 0.5);
  const left = await decodedPixels(p);
  await hover(p, 0.75, 0.5);
  const right = await decodedPixels(p);
  const diff = meanDiff(left, right);
  assert.ok(
    diff > 3,
    `the image barely changed between two far-apart points (mean difference ${diff.toFixed(2)} of 255)`,
  );
  const latencies: number[] = [];
  for (let i = 0; i < 30; i++) latencies.push(await hover(p, 0.2 + 0.02 * i, 0.3 + 0.013 * i));
  latencies.sort((a, b) => a - b);
  const median = latencies[15]!;
  t.diagnostic(
    `mouse move to new image: median ${median.toFixed(1)} ms, slowest ${latencies.at(-1)!.toFixed(1)} ms over 30 moves`,
  );
  assert.ok(median < 50, `median time from mouse move to new image ${median.toFixed(1)} ms (target < 50)`);
  // The walk between two test images.
  await p.waitForSelector('[data-testid=thumbs] canvas');
  const thumbs = p.locator('[data-testid=thumbs] canvas');
  await thumbs.nth(0).click();
  await thumbs.nth(5).click();
  await p.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid=walk]')!.width > 300); // a canvas never drawn is 300 wide
  await p.mouse.move(0, 0);
  await hover(p, 0.6, 0.4);
  await p.screenshot({ path: join(shots, 'web-explorer.png'), fullPage: true });
  await p.close();
});

test('with z > 2 the map is a PCA plane and a slider per dimension moves the image', async () => {
  const p = await page('#/explore/mnist-z8');
  await p.waitForSelector('[data-testid=decoded][data-decodes]');
  const sliders = p.locator('.sliders input[type=range]');
  assert.equal(await sliders.count(), 8);
  const before = await decodedPixels(p);
  const n = await decodes(p);
  await sliders.nth(0).fill('3.5');
  await decodedMoreThan(p, n);
  const after = await decodedPixels(p);
  assert.ok(
    before.some((v, i) => v !== after[i]),
    'moving a slider did not change the image',
  );
  // Random samples from the Gaussian mixture fitted to the run's codes (sample --sampler gmm).
  const sampler = p.locator('[data-testid=sampler]');
  assert.deepEqual(await sampler.locator('option').allTextContents(), [
    'prior N(0, I)',
    'Gaussian mixture (3 components) fitted to the training codes',
  ]);
  const m = await decodes(p);
  await sampler.selectOption({ index: 1 });
  await decodedMoreThan(p, m);
  const drawn = await sliders.evaluateAll((els) => els.map((e) => Number((e as HTMLInputElement).value)));
  assert.ok(
    drawn.some((v) => v !== 0 && v !== 3.5),
    `choosing the mixture drew no new code (sliders at ${drawn.join(', ')})`,
  );
  await p.close();
});

test('a GAN (no encoder): the mouse decodes over a plane of two chosen dimensions; picking the dimension of the other axis swaps them', async () => {
  const p = await page('#/explore/gan');
  await p.waitForSelector('[data-testid=decoded][data-decodes]');
  assert.equal(await p.locator('.sliders input[type=range]').count(), 4);
  await hover(p, 0.2, 0.5);
  const left = await decodedPixels(p);
  await hover(p, 0.8, 0.5);
  assert.ok(meanDiff(left, await decodedPixels(p)) > 1, 'the image did not change across the plane');
  assert.deepEqual(
    [await p.inputValue('[data-testid=plane-0]'), await p.inputValue('[data-testid=plane-1]')],
    ['0', '1'],
  );
  await p.selectOption('[data-testid=plane-0]', '1');
  assert.deepEqual(
    [await p.inputValue('[data-testid=plane-0]'), await p.inputValue('[data-testid=plane-1]')],
    ['1', '0'],
  );
  await p.selectOption('[data-testid=plane-1]', '3');
  assert.deepEqual(
    [await p.inputValue('[data-testid=plane-0]'), await p.inputValue('[data-testid=plane-1]')],
    ['1', '3'],
  );
  await p.close();
});

test('the runs table, a comparison of two runs, and the anomaly view', async () => {
  const p = await page('#/');
  await p.waitForSelector('[data-testid=runs] tbody tr');
  assert.equal(await p.locator('[data-testid=runs] tbody tr').count(), 4);
  await p.goto(`${origin}/#/compare/mnist-z2/mnist-z8`);
  await p.waitForSelector('[data-testid=compare-chart] svg .mark-line path');
  await p.goto(`${origin}/#/anomaly/sevens`);
  await p.waitForSelector('[data-testid=anomaly-histogram] svg .mark-rect path');
  assert.match((await p.textContent('[data-testid=anomaly-readout]'))!, /precision \d\.\d{3}, recall \d\.\d{3}/);
  assert.equal(await p.locator('[data-testid=anomaly-table] tbody tr').count(), 4);
  await p.screenshot({ path: join(shots, 'web-anomaly.png'), fullPage: true });
  await p.close();
});

test('a training started from the dashboard: the curve gains points, samples appear', async () => {
  const p = await page('#/train');
  await p.waitForSelector('[data-testid=train-form]');
  await p.fill('input[name=name]', 'from-dashboard');
  await p.fill('input[name=latent]', '2');
  await p.fill('input[name=epochs]', '3');
  await p.fill('input[name=limit]', '1024');
  await p.click('[data-testid=train-form] button[type=submit]');
  await p.waitForURL(/#\/train\/from-dashboard$/);
  const points = async (): Promise<number> => p.locator('[data-testid=live-curves] svg .mark-symbol path').count();
  await p.waitForFunction(
    () => Number(document.querySelector('[data-testid=live-curves]')!.getAttribute('data-epochs')) >= 1,
    null,
    { timeout: 60000 },
  );
  await p.waitForSelector('[data-testid=live-curves] svg .mark-symbol path');
  const first = await points();
  await p.waitForFunction(
    () => Number(document.querySelector('[data-testid=live-curves]')!.getAttribute('data-epochs')) >= 3,
    null,
    { timeout: 60000 },
  );
  await p.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=live-curves] svg .mark-symbol path').length > n,
    first,
  );
  assert.ok((await points()) > first, 'the curve did not gain points');
  await p.waitForFunction(
    () => document.querySelector<HTMLImageElement>('[data-testid=live-samples]')!.naturalWidth > 0,
  );
  await p.waitForFunction(() => /not training/.test(document.querySelector('[data-testid=live-status]')!.textContent));
  assert.equal(await p.getAttribute('[data-testid=live-curves]', 'data-epochs'), '3');
  assert.equal(await p.locator('.error').count(), 0, 'the dashboard shows an error');
  await p.screenshot({ path: join(shots, 'web-dashboard.png'), fullPage: true });
  await p.close();
});

test('a server with a token: the page opened with ?token= keeps it (a reload works) for the API, the event stream and pictures; without it, a clear message', async () => {
  const guarded = await createServer({ runsDir: root, mapLimit: 1000, token: 'tok-123', allowedHosts: null });
  const at = await guarded.app.listen({ port: 0, host: '127.0.0.1' });
  const seen: string[] = [];
  try {
    const p = await openPage(browser, `${at}/?token=tok-123#/`, seen);
    await p.waitForSelector('[data-testid=runs] tbody tr');
    assert.equal(new URL(p.url()).search, '', 'the token is taken out of the address bar');
    await p.reload();
    await p.waitForSelector('[data-testid=runs] tbody tr');
    // The live view: its event stream and its sample grid (an <img>) carry the token as a query parameter.
    await p.goto(`${at}/#/train/mnist-z2`);
    await p.waitForFunction(() =>
      /2 epochs done/.test(document.querySelector('[data-testid=live-status]')!.textContent),
    );
    await p.waitForFunction(
      () => document.querySelector<HTMLImageElement>('[data-testid=live-samples]')!.naturalWidth > 0,
    );
    assert.equal(await p.locator('.error').count(), 0, 'the page shows an error');
    assert.ok(seen.some((u) => /\/events\?token=tok-123$/.test(u)));
    await p.close();
    // A browser that never saw the token: the page says how to give it.
    const bare = await openPage(browser, `${at}/#/`, seen);
    await bare.waitForSelector('.error');
    assert.match((await bare.textContent('.error'))!, /needs its token: open the address that latentlab serve printed/);
    await bare.close();
    assert.deepEqual(
      seen.filter((u) => !u.startsWith(at) && !u.startsWith('data:') && !u.startsWith('blob:')),
      [],
    );
  } finally {
    await guarded.close();
  }
});

test('every request the pages made stayed on this machine', () => {
  assert.ok(requests.length > 10);
  const away = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  assert.deepEqual(away, []);
});
