/**
 * Where the explorer gets its model from. The server (`latentlab serve`) decodes with the
 * engine; an exported site (`latentlab export --format web`) decodes in the browser with
 * onnxruntime-web. The explorer sees only this interface.
 */
import type { ImageBatch, LatentMap, ModelInfo } from '../../src/wire/types.js';
import { api } from './api.js';

export interface ExplorerSource {
  info(): Promise<ModelInfo>;
  /** The test set's codes, or null for models without an encoder (GANs). */
  latentMap(): Promise<LatentMap | null>;
  decode(z: number[][], label?: number): Promise<ImageBatch>;
  testImages(indices: number[]): Promise<ImageBatch>;
}

export function serverSource(run: string): ExplorerSource {
  return {
    info: () => api.model(run),
    latentMap: () => api.latentMap(run),
    decode: (z, label) => api.decode(run, z, label),
    testImages: (indices) => api.testImages(run, indices),
  };
}
