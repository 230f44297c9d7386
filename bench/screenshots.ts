/**
 * The README's screenshots of the web UI, from real runs (not the tests' tiny ones):
 *   runs/docs/mnist-z2  vae-mlp, z=2, 10 epochs       -> the explorer, the exported page
 *   runs/docs/mnist-z8  vae-mlp, z=8, 5 epochs        -> the explorer with sliders
 *   runs/docs/sevens    `anomaly --normal 7`          -> the anomaly view
 *   runs/docs/live      started from the dashboard    -> the dashboard during training
 * Writes docs/images/web-*.png. Runs that exist are reused.
 *
 *   node dist/bench/screenshots.js
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { packageRoot } from '../src/binding/native.js';
import { launch } from '../test/browser.js';

const runs = join('runs', 'docs');
const images = join(packageRoot, 'docs', 'images');
const cli = (...args: string[]): void =>
  void execFileSync(process.execPath, [join(packageRoot, 'bin', 'latentlab.js'), ...args], { stdio: 'inherit' });

if (!existsSync(join(runs, 'mnist-z2', 'model.safetensors')))
  cli('train', '--latent', '2', '--epochs', '10', '--out', join(runs, 'mnist-z2'));
if (!existsSync(join(runs, 'mnist-z8', 'model.safetensors')))
  cli('train', '--latent', '8', '--epochs', '5', '--out', join(runs, 'mnist-z8'));
if (!existsSync(join(runs, 'sevens', 'anomaly.json')))
  cli('anomaly', '--dataset', 'mnist', '--normal', '7', '--out', join(runs, 'sevens'));
rmSync(join(runs, 'live'), { recursive: true, force: true });
cli('export', '--run', join(runs, 'mnist-z2'), '--format', 'web', '--out', join(runs, 'mnist-z2', 'site'));

const server = spawn(
  process.execPath,
  [join(packageRoot, 'bin', 'latentlab.js'), 'serve', '--runs', runs, '--port', '0', '--json'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const origin = await new Promise<string>((resolve) =>
  createInterface({ input: server.stdout }).once('line', (l) => resolve((JSON.parse(l) as { url: string }).url)),
);
const browser = await launch();
const page = async (url: string): Promise<Page> => {
  const p = await browser.newPage({ viewport: { width: 1280, height: 960 } });
  await p.goto(url);
  return p;
};
const moveOver = async (p: Page, fx: number, fy: number): Promise<void> => {
  const box = (await p.locator('[data-testid=latent-map]').boundingBox())!;
  await p.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 8 });
  await p.waitForTimeout(300);
};

let http: ChildProcess | null = null;
try {
  let p = await page(`${origin}/#/explore/mnist-z2`);
  await p.waitForSelector('[data-testid=thumbs] canvas');
  const thumbs = p.locator('[data-testid=thumbs] canvas');
  await thumbs.nth(1).click();
  await thumbs.nth(4).click();
  await moveOver(p, 0.62, 0.38);
  await p.screenshot({ path: join(images, 'web-explorer.png'), fullPage: true });
  await p.goto(`${origin}/#/explore/mnist-z8`);
  await p.waitForSelector('.sliders input');
  await moveOver(p, 0.4, 0.55);
  await p.screenshot({ path: join(images, 'web-explorer-z8.png'), fullPage: true });
  await p.goto(`${origin}/#/anomaly/sevens`);
  await p.waitForSelector('[data-testid=anomaly-histogram] svg');
  await p.waitForTimeout(500);
  await p.screenshot({ path: join(images, 'web-anomaly.png'), fullPage: true });
  await p.goto(`${origin}/#/train`);
  await p.fill('input[name=name]', 'live');
  await p.fill('input[name=epochs]', '6');
  await p.click('[data-testid=train-form] button[type=submit]');
  await p.waitForFunction(
    () => Number(document.querySelector('[data-testid=live-curves]')?.getAttribute('data-epochs')) >= 3,
    null,
    { timeout: 300000 },
  );
  await p.waitForFunction(
    () => document.querySelector<HTMLImageElement>('[data-testid=live-samples]')!.naturalWidth > 0,
  );
  await p.waitForTimeout(1500);
  await p.screenshot({ path: join(images, 'web-dashboard.png'), fullPage: true });
  await p.click('[data-testid=stop]');
  await p.close();
  // The exported page, from a plain static server.
  http = spawn(
    'python3',
    ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', join(runs, 'mnist-z2', 'site')],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const siteUrl = await new Promise<string>((resolve) =>
    createInterface({ input: http!.stdout! }).on(
      'line',
      (l) => /port (\d+)/.test(l) && resolve(`http://127.0.0.1:${/port (\d+)/.exec(l)![1]}/`),
    ),
  );
  p = await page(siteUrl);
  await p.waitForSelector('[data-testid=decoded][data-decodes]', { timeout: 60000 });
  await moveOver(p, 0.35, 0.6);
  await p.screenshot({ path: join(images, 'web-export.png'), fullPage: true });
  console.log(
    `wrote ${['web-explorer', 'web-explorer-z8', 'web-anomaly', 'web-dashboard', 'web-export'].map((n) => join(images, `${n}.png`)).join(', ')}`,
  );
} finally {
  http?.kill();
  await browser.close();
  server.kill('SIGINT');
}
