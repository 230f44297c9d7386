/**
 * The exported explorer (`latentlab export --format web`): the same explorer as the web UI,
 * with the decoder run in the browser by onnxruntime-web (wasm) from decoder.onnx, and the
 * latent map and test images read from site.json. No server and no network beyond the folder.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { ImageBatch, SiteData } from '../../src/wire/types.js';
import './style.css';
import { errorBox, h, mount } from './dom.js';
import { explorerView } from './explorer.js';
import { pickImages } from './images.js';
import type { ExplorerSource } from './source.js';
import { ORT_WASM } from '../../src/wire/site-files.js';

// One thread: a static host sends no cross-origin isolation headers, which threads need.
ort.env.wasm.numThreads = 1;
// The wasm build is not bundled (vite.config.ts drops it): `export --format web` copies it from
// the installed onnxruntime-web beside index.html, so that the package ships it once.
ort.env.wasm.wasmPaths = { wasm: new URL(ORT_WASM, document.baseURI).href };

/** Float images in [0, 1] as the uint8 batches the explorer draws. */
function toBatch(data: Float32Array, [n, channels, height, width]: readonly number[]): ImageBatch {
  let bin = '';
  for (const v of data) bin += String.fromCharCode(Math.round(Math.min(1, Math.max(0, v)) * 255));
  return { n: n!, channels: channels!, height: height!, width: width!, data: btoa(bin) };
}

async function onnxSource(site: SiteData): Promise<ExplorerSource> {
  const session = await ort.InferenceSession.create(site.decoder.file, { executionProviders: ['wasm'] });
  const latent = site.info.latent;
  // Decoded once: each walk asks for two of these images.
  const testBytes = site.tests ? atob(site.tests.data) : '';
  const positions = new Map(site.map?.indices.map((t, i) => [t, i]));
  return {
    info: () => Promise.resolve(site.info),
    latentMap: () => Promise.resolve(site.map),
    async decode(z, label) {
      const feeds: Record<string, ort.Tensor> = {
        [site.decoder.z]: new ort.Tensor('float32', Float32Array.from(z.flat()), [z.length, latent]),
      };
      if (site.decoder.label)
        feeds[site.decoder.label] = new ort.Tensor('int64', BigInt64Array.from(z.map(() => BigInt(label ?? 0))), [
          z.length,
        ]);
      const out = (await session.run(feeds))[site.decoder.output]!;
      return toBatch(out.data as Float32Array, out.dims);
    },
    testImages: (indices) =>
      new Promise((resolve) => {
        if (!site.tests || !site.map) throw new Error('this export has no test images');
        const at = indices.map((t) => {
          const i = positions.get(t);
          if (i === undefined) throw new Error(`test image ${t} is not in this export`);
          return i;
        });
        resolve(pickImages(site.tests, at, testBytes));
      }),
  };
}

async function start(): Promise<void> {
  try {
    const res = await fetch('site.json');
    if (!res.ok)
      throw new Error(
        `site.json: ${res.status} ${res.statusText} (serve this folder over HTTP, e.g. python3 -m http.server)`,
      );
    const site = (await res.json()) as SiteData;
    document.getElementById('site-title')!.textContent =
      ` ${site.info.name}: ${site.info.model}, z=${site.info.latent}, ${site.info.dataset}`;
    const source = await onnxSource(site);
    mount(
      h(
        'p',
        { class: 'hint' },
        `Decoded in your browser by onnxruntime-web from ${site.decoder.file}; exported by latentlab ${site.version}.`,
      ),
      await explorerView(source),
    );
  } catch (err) {
    mount(errorBox(err));
  }
}

void start();
