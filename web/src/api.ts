/** The server's JSON API, typed; a refusal becomes an Error with the server's message (a 401: how to give the token). */
import type {
  ImageBatch,
  LatentMap,
  ModelInfo,
  RunDetail,
  RunListItem,
  TrainOptions,
  TrainRequest,
} from '../../src/wire/types.js';

/**
 * The server's token, when it has one (`latentlab serve` beyond loopback): given once in the
 * page's address (?token=...), kept in this origin's localStorage so that a reload works, and
 * sent with every API call (a header) and every URL the browser loads itself (a query parameter:
 * an EventSource or an <img> cannot set headers).
 */
const TOKEN_KEY = 'latentlab.token';

function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage refused (a sandboxed frame): the page works as far as the server lets it
  }
}

/** Takes ?token= from the page's address into storage, and out of the address bar (and history). */
export function takeToken(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    return; // nowhere to keep it: leave it in the address, where a reload finds it again
  }
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.href);
}

/** A URL the browser loads itself, with the token as a query parameter when there is one. */
function withToken(url: string): string {
  const token = storedToken();
  return token === null ? url : `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** What a 401 means to the person at the page. */
function tokenRefused(): string {
  return storedToken() === null
    ? 'This server needs its token: open the address that latentlab serve printed (the one ending in ?token=...).'
    : "This page's token is not the server's (was it restarted?): open the address that latentlab serve printed (the one ending in ?token=...).";
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = storedToken();
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(path, { ...init, headers });
  const body = (await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }))) as T & { error?: string };
  if (res.status === 401) throw new Error(tokenRefused());
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
  fileUrl: (name: string, file: string) => withToken(`${run(name)}/files/${encodeURIComponent(file)}`),
  samplesUrl: (name: string, version: string) => withToken(`${run(name)}/samples.png?v=${encodeURIComponent(version)}`),
  eventsUrl: (name: string) => withToken(`${run(name)}/events`),
  anomalyScores: (name: string) =>
    call<{ labels: number[]; scores: Record<string, number[]> }>(`${run(name)}/files/anomaly-scores.json`),
};
