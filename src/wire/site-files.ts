/**
 * File names an exported site (`export --format web`) holds beside index.html, shared by the
 * exporter that writes them and the page that loads them.
 */

/** onnxruntime-web's wasm build (one thread, SIMD), copied from the installed package. */
export const ORT_WASM = 'ort-wasm-simd-threaded.wasm';
