// The web UI, built by Vite with everything bundled (no CDN):
//   vite build              -> dist/web       the pages of `latentlab serve`
//   vite build --mode site  -> dist/web-site  the explorer alone, which `latentlab export --format web`
//                                             copies beside the model with onnxruntime-web's wasm build
//                                             (taken from the installed package, not bundled a second time)
import { defineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Leaves onnxruntime-web's 14 MB wasm out of the bundle: site.ts loads the copy export writes. */
const withoutOrtWasm: Plugin = {
  name: 'latentlab-without-ort-wasm',
  generateBundle(_options, bundle) {
    for (const name of Object.keys(bundle)) if (/ort-wasm.*\.wasm$/.test(name)) delete bundle[name];
  },
};

export default defineConfig(({ mode }) => ({
  root: here('.'),
  plugins: mode === 'site' ? [withoutOrtWasm] : [],
  base: './',
  build: {
    outDir: here(mode === 'site' ? '../dist/web-site' : '../dist/web'),
    emptyOutDir: true,
    rollupOptions: { input: here(mode === 'site' ? 'site.html' : 'index.html') },
    chunkSizeWarningLimit: 2000, // vega and onnxruntime-web are large single chunks
  },
  logLevel: 'warn',
}));
