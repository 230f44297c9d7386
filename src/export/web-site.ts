/**
 * `export --format web`: a folder that shows the web UI's latent explorer without a server.
 * index.html and the bundle (built once into dist/web-site) are copied, and onnxruntime-web's
 * wasm build from the installed package (the package ships it once); the run adds decoder.onnx and site.json (the model's shape, the latent map and
 * its test images). Served by any static file server, it decodes in the browser.
 * Everything is prepared in memory first; then each file goes to a temporary name and is renamed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { packageRoot } from '../binding/native.js';
import { latentMap, modelInfo, testImages } from '../export/explorer-data.js';
import { ORT_WASM } from '../wire/site-files.js';
import type { SiteData } from '../wire/types.js';
import type { OpenRun } from '../train/open-run.js';
import { version as latentlabVersion } from '../train/prepare.js';
import { writeFilesTogether } from '../util/fs.js';
import { exportOnnx, runMetadata } from './onnx.js';

/** The built web explorer (index.html and bundle) that `export --format web` copies: dist/web-site. */
export const SITE_TEMPLATE = join(packageRoot, 'dist', 'web-site');

/** onnxruntime-web's wasm build, from the installed dependency (its package exports the path). */
function ortWasm(): Uint8Array {
  return readFileSync(createRequire(import.meta.url).resolve(`onnxruntime-web/${ORT_WASM}`));
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)).map((f) => join(e.name, f)) : [e.name],
  );
}

/** The site's files in memory: the template (site.html becomes index.html), decoder.onnx and site.json. */
export async function siteFiles(
  run: OpenRun,
  o: { mapLimit?: number; name?: string } = {},
): Promise<[string, Uint8Array | string][]> {
  if (!existsSync(join(SITE_TEMPLATE, 'site.html')))
    throw new Error(
      `the explorer page is not built (no ${SITE_TEMPLATE}/site.html): run npm run build:web, or bash scripts/setup.sh`,
    );
  const onnx = exportOnnx(run.model, runMetadata(run), { encoder: false }); // the page only decodes
  const map = await latentMap(run, o.mapLimit ?? 1000);
  const site: SiteData = {
    version: latentlabVersion(),
    info: modelInfo(o.name ?? basename(run.dir), run),
    map,
    tests: map ? testImages(await run.testSet(), map.indices) : null,
    decoder: { file: 'decoder.onnx', z: 'z', label: run.model.numClasses ? 'label' : null, output: 'image' },
  };
  const template = filesUnder(SITE_TEMPLATE).map((f): [string, Uint8Array] => [
    f === 'site.html' ? 'index.html' : f,
    readFileSync(join(SITE_TEMPLATE, f)),
  ]);
  return [...template, [ORT_WASM, ortWasm()], ['decoder.onnx', onnx.decoder], ['site.json', JSON.stringify(site)]];
}

/** Writes the site into `out`; gives the paths written. */
export async function saveSite(run: OpenRun, out: string, o: { mapLimit?: number } = {}): Promise<string[]> {
  const files = await siteFiles(run, o);
  const paths = files.map(([name, data]): [string, Uint8Array | string] => [join(out, name), data]);
  writeFilesTogether(paths);
  return paths.map(([p]) => p);
}
