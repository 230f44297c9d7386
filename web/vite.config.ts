// The web UI, built by Vite with everything bundled (no CDN):
//   vite build              -> dist/web       the pages of `latentlab serve`
//   vite build --mode site  -> dist/web-site  the explorer alone with onnxruntime-web's wasm build,
//                                             which `latentlab export --format web` copies beside the model
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ mode }) => ({
  root: here('.'),
  base: './',
  build: {
    outDir: here(mode === 'site' ? '../dist/web-site' : '../dist/web'),
    emptyOutDir: true,
    rollupOptions: { input: here(mode === 'site' ? 'site.html' : 'index.html') },
    chunkSizeWarningLimit: 2000, // vega and onnxruntime-web are large single chunks
  },
  logLevel: 'warn',
}));
