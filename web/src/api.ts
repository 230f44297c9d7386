/** The server's JSON API, typed; a refusal becomes an Error with the server's message. */
import type {
  ImageBatch,
  LatentMap,
  ModelInfo,
  RunDetail,
  RunListItem,
  TrainOptions,
  TrainRequest,
} from '../../src/wire/types.js';

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = (await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

const post = <T>(path: string, body: unknown): Promise<T> =>
  call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const run = (name: string): string => `/api/runs/${encodeURIComponent(name)}`;

export type TrainForm = TrainRequest;

export const api = {
  runs: () => call<RunListItem[]>('/api/runs'),
  run: (name: string) => call<RunDetail>(run(name)),
  model: (name: string) => call<ModelInfo>(`${run(name)}/model`),
  latentMap: (name: string) => call<{ map: LatentMap | null }>(`${run(name)}/latent-map`).then((r) => r.map),
  decode: (name: string, z: number[][], label?: number) =>
    post<ImageBatch>(`${run(name)}/decode`, label === undefined ? { z } : { z, label }),
  testImages: (name: string, indices: number[]) =>
    call<ImageBatch>(`${run(name)}/test-images?indices=${indices.join(',')}`),
  options: () => call<TrainOptions>('/api/options'),
  train: (form: TrainForm) => post<{ run: string }>('/api/train', form),
  stop: (name: string) => post<{ stopping: boolean }>(`${run(name)}/stop`, {}),
  fileUrl: (name: string, file: string) => `${run(name)}/files/${encodeURIComponent(file)}`,
  samplesUrl: (name: string, version: string) => `${run(name)}/samples.png?v=${encodeURIComponent(version)}`,
  eventsUrl: (name: string) => `${run(name)}/events`,
  anomalyScores: (name: string) =>
    call<{ labels: number[]; scores: Record<string, number[]> }>(`${run(name)}/files/anomaly-scores.json`),
};
