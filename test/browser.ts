/// <reference lib="dom" />
/** Browser helpers for the end-to-end tests: Debian's Chromium through playwright-core, and the explorer's canvases. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** As the machine's notes advise: no sandbox as root, and no background traffic to Google's hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A page that records every URL it requests and fails the test on a script error. */
export async function openPage(browser: Browser, url: string, requests: string[]): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  p.on('request', (r) => requests.push(r.url()));
  p.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  await p.goto(url);
  return p;
}

/** The decoded image's pixels, as the canvas shows them. */
export const decodedPixels = (p: Page): Promise<number[]> =>
  p.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=decoded]')!;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });

export const decodes = async (p: Page): Promise<number> =>
  Number((await p.getAttribute('[data-testid=decoded]', 'data-decodes')) ?? 0);

/** Waits until the explorer has drawn more than `n` decoded images. */
export const decodedMoreThan = (p: Page, n: number): Promise<unknown> =>
  p.waitForFunction(
    (k) => Number(document.querySelector('[data-testid=decoded]')!.getAttribute('data-decodes')) > k,
    n,
  );

/** Moves the mouse to (fx, fy) of the latent map and waits for the image of that point; gives the latency the page measured (ms). */
export async function hover(p: Page, fx: number, fy: number): Promise<number> {
  const box = (await p.locator('[data-testid=latent-map]').boundingBox())!;
  const before = await decodes(p);
  await p.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
  await decodedMoreThan(p, before);
  return Number(await p.getAttribute('[data-testid=decoded]', 'data-latency-ms'));
}

/** Mean absolute difference of two pixel arrays, in 0..255. */
export const meanDiff = (a: number[], b: number[]): number =>
  a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
