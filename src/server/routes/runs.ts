/**
 * Runs and the explorer: the list of runs, one run's config, metrics and pictures, its model's
 * shape, the latent map, decoding latent vectors, test images, and a sample grid from the
 * latest checkpoint (the dashboard reloads it every epoch), from the model's prior or, with
 * ?sampler=gaussian|gmm, from a fitted sampler saved in the run folder (`latentlab sample --sampler`).
 */
import { need } from '../../models/capabilities.js';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { findModel } from '../../models/registry.js';
import type { MetricInfo } from '../../wire/types.js';
import { readLive } from '../../train/live.js';
import { FILES } from '../../train/run-dir.js';
import { withSeed } from '../../tensor/runtime.js';
import { tidy } from '../../tensor/scope.js';
import { imageGrid } from '../../viz/figures.js';
import { encodePng } from '../../viz/grid.js';
import { decodeLatents } from '../../inference/latent.js';
import {
  SAMPLER_KINDS,
  type MixtureSampler,
  type FittedKind,
  type SamplerKind,
} from '../../inference/samplers/mixture.js';
import { freshSamplers, hasFreshSampler, loadSampler, samplerPath } from '../../inference/samplers/saved.js';
import { decodeVectors, latentMap, modelInfo, testImages, type LatentMap } from '../../export/explorer-data.js';
import { badRequest, notFound } from '../../util/http-error.js';
import type { JobManager } from '../jobs.js';
import type { RunStore } from '../run-store.js';
import type { OpenRun } from '../../train/open-run.js';
import { intParam, listParam, type RunParams } from '../validation.js';

/** Pictures and results a run folder may hold, by extension; nothing else is served from it. */
const SERVABLE: Record<string, string> = {
  png: 'image/png',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
};
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\.(png|gif|svg|json|jsonl)$/;

const DEFAULT_SAMPLES = 64;
const DEFAULT_SAMPLE_SEED = 7;

/** Latent vectors per decode request, at most. */
export const MAX_DECODE = 256;

const decodeBody = {
  type: 'object',
  required: ['z'],
  additionalProperties: false,
  properties: {
    z: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DECODE,
      items: { type: 'array', minItems: 1, maxItems: 4096, items: { type: 'number' } },
    },
    label: { type: 'integer', minimum: 0 },
  },
} as const;

/** The `sampler` query parameter: prior (the default), gaussian or gmm. */
function samplerParam(raw: string | undefined): SamplerKind {
  if (raw === undefined || raw === '') return 'prior';
  if (!(SAMPLER_KINDS as readonly string[]).includes(raw))
    throw badRequest(`sampler must be one of ${SAMPLER_KINDS.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as SamplerKind;
}

/**
 * The run's saved fitted sampler (the explorer never fits one: that takes a training pass);
 * a missing or stale one is a 400 that says how to make it.
 */
function savedSampler(run: OpenRun, name: string, kind: FittedKind): MixtureSampler {
  const fit = `fit it with: latentlab sample --run ${run.dir} --sampler ${kind}`;
  if (!hasFreshSampler(run.dir, kind)) {
    const why = existsSync(samplerPath(run.dir, kind)) ? 'is older than its weights' : 'does not exist';
    throw badRequest(`run '${name}' has no usable ${kind} sampler: ${samplerPath(run.dir, kind)} ${why}; ${fit}`);
  }
  const { sampler } = loadSampler(run.dir, kind)!;
  if (sampler.latentDim !== need(run.model, 'decoder', 'sampling').latentDim) {
    sampler.dispose();
    throw badRequest(`run '${name}': the saved ${kind} sampler does not match the model's latent size; ${fit}`);
  }
  return sampler;
}

/** The metrics a run's model declares (none for a model this build does not know). */
function metricInfo(model: string): MetricInfo[] {
  return [...(findModel(model)?.metrics ?? [])];
}

export function runRoutes(app: FastifyInstance, store: RunStore, jobs: JobManager, o: { mapLimit: number }): void {
  app.get('/api/runs', () =>
    store.list().map((r) => ({
      name: r.name,
      model: r.model,
      metric_info: metricInfo(r.model),
      dataset: r.dataset,
      epochs: r.epochs,
      epochs_done: r.epochsDone,
      last: r.last,
      modified: r.modified.toISOString(),
      training: jobs.isTraining(r.name, r.dir),
    })),
  );

  app.get<{ Params: RunParams }>('/api/runs/:run', (req) => {
    const name = req.params.run;
    const dir = store.dir(name);
    const { config, metrics } = store.describe(name);
    const { resolved, ...settings } = config;
    const live = readLive(dir);
    const anomalyFile = join(dir, 'anomaly.json');
    return {
      name,
      config: settings,
      resolved: resolved ?? {},
      metric_info: metricInfo(String(settings.model)),
      metrics,
      files: readdirSync(dir)
        .filter((f) => FILE_NAME.test(f) && /\.(png|gif|svg)$/.test(f))
        .sort(),
      has_checkpoint: existsSync(join(dir, FILES.model)),
      live,
      training: jobs.isTraining(name, dir, live),
      job: jobs.job(name),
      anomaly: existsSync(anomalyFile) ? (JSON.parse(readFileSync(anomalyFile, 'utf8')) as unknown) : null,
      // Fitted samplers saved in the run folder and newer than its weights: samples.png?sampler=<name> draws from them.
      samplers: freshSamplers(dir),
    };
  });

  app.get<{ Params: RunParams & { file: string } }>('/api/runs/:run/files/:file', async (req, reply) => {
    const dir = store.dir(req.params.run);
    const file = req.params.file;
    if (!FILE_NAME.test(file))
      throw badRequest(
        `invalid file name ${JSON.stringify(file)}: only pictures and results (png, gif, svg, json, jsonl) directly inside the run folder are served`,
      );
    const path = join(dir, file);
    if (!existsSync(path)) throw notFound(`run '${req.params.run}' has no file ${file}`);
    // A picture from a run folder is data, never a page: an SVG's scripts must not run in the UI's origin.
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
      .type(SERVABLE[file.split('.').pop()!]!);
    return reply.send(createReadStream(path));
  });

  app.get<{ Params: RunParams }>('/api/runs/:run/model', async (req) => {
    return store.use(req.params.run, (run) => modelInfo(req.params.run, run));
  });

  app.get<{ Params: RunParams; Querystring: { limit?: string } }>('/api/runs/:run/latent-map', async (req) => {
    const limit = intParam(req.query.limit, 'limit', { min: 1, max: 10000, fallback: o.mapLimit });
    // Only the default size is kept per checkpoint: a client asking for every size must not grow the cache.
    const map =
      limit === o.mapLimit
        ? await store.derived<LatentMap | null>(req.params.run, 'map', (run) => latentMap(run, limit))
        : await store.use(req.params.run, (run) => latentMap(run, limit));
    return { map };
  });

  app.post<{ Params: RunParams; Body: { z: number[][]; label?: number } }>(
    '/api/runs/:run/decode',
    { schema: { body: decodeBody } },
    async (req) => {
      const bad = req.body.z.findIndex((v) => v.some((x) => !Number.isFinite(x)));
      if (bad >= 0) throw badRequest(`latent vector ${bad} has a value that is not a finite number`);
      return store.use(req.params.run, (run) => decodeVectors(run.model, req.body.z, req.body.label));
    },
  );

  app.get<{ Params: RunParams; Querystring: { indices?: string } }>('/api/runs/:run/test-images', async (req) => {
    const indices = listParam(req.query.indices, 'indices', { max: MAX_DECODE });
    return store.use(req.params.run, async (run) => testImages(await run.testSet(), indices));
  });

  app.get<{ Params: RunParams; Querystring: { n?: string; seed?: string; sampler?: string } }>(
    '/api/runs/:run/samples.png',
    async (req, reply) => {
      const n = intParam(req.query.n, 'n', { min: 1, max: 256, fallback: DEFAULT_SAMPLES });
      const seed = intParam(req.query.seed, 'seed', { min: 0, max: 2 ** 31 - 1, fallback: DEFAULT_SAMPLE_SEED });
      const sampler = samplerParam(req.query.sampler);
      const draw = (run: OpenRun): Promise<Buffer> => {
        const cols = run.model.numClasses || 8;
        const fitted = sampler === 'prior' ? null : savedSampler(run, req.params.run, sampler);
        try {
          const prior = fitted ?? need(run.model, 'prior', 'sampling');
          const grid = tidy(() =>
            imageGrid(
              decodeLatents(
                run.model,
                withSeed(seed, () => prior.sample(n)),
                run.model.numClasses ? 'each' : undefined,
              ),
              { cols, scale: 2 },
            ),
          );
          return encodePng(grid);
        } finally {
          fitted?.dispose();
        }
      };
      // The dashboard's grid, kept per checkpoint.
      const fixed = n === DEFAULT_SAMPLES && seed === DEFAULT_SAMPLE_SEED && sampler === 'prior';
      const png = fixed ? await store.derived(req.params.run, 'samples', draw) : await store.use(req.params.run, draw);
      reply.header('cache-control', 'no-cache').type('image/png');
      return reply.send(png);
    },
  );
}
