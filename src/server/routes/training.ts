/**
 * The training dashboard: what can be trained, starting a run, stopping one (it checkpoints),
 * and a server-sent event stream per run that replays its metrics and then follows them as
 * epochs end, with its live status and a note whenever a new checkpoint lands.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BUILTIN } from '../../data/builtin.js';
import { models } from '../../models/registry.js';
import { COMMON, DEFAULT_MODEL, modelOptionOwners, anySchema } from '../../train/config.js';
import { LIVE_FILE, readLive } from '../../train/live.js';
import { FILES, readMetrics } from '../../train/run-dir.js';
import { STOPPED_EXIT, type JobManager, type TrainRequest } from '../jobs.js';
import { RUN_NAME, type RunStore } from '../run-store.js';
import type { RunParams } from '../validation.js';

/** An option's JSON Schema as a request may carry it: no defaults filled in (they differ by model), no help. */
function requestSchema(key: string): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(anySchema(key), (k, v: unknown) =>
      ['default', 'description', 'arg', 'errorMessage'].includes(k) ? undefined : v,
    ),
    // The dashboard's cap on sizes: no request makes a network of millions of units.
    (_k, v: unknown) =>
      v && typeof v === 'object' && (v as { type?: string }).type === 'integer' && !('maximum' in v)
        ? { ...v, maximum: REQUEST_INT_MAX }
        : v,
  ) as Record<string, unknown>;
}

/** The largest integer a training request may give an option (latent size, hidden units, ...). */
const REQUEST_INT_MAX = 4096;

/**
 * A training request: the run's name, a few common settings with the dashboard's caps, and any
 * model's options, from the same declarations the CLI's flags come from. An option the chosen
 * model lacks passes this schema and is refused by the trainer's own check, naming it.
 */
function trainBody(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['name', 'model', 'dataset', 'epochs'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: RUN_NAME.source, maxLength: 64 },
      model: { type: 'string', enum: models().map((m) => m.name) },
      dataset: { type: 'string', enum: Object.keys(BUILTIN) },
      epochs: { ...requestSchema('epochs'), maximum: 1000 },
      limit: { type: 'integer', minimum: 1, maximum: 1000000 },
      ...Object.fromEntries([...modelOptionOwners().keys()].map((k) => [k, requestSchema(k)])),
    },
  };
}

/** How often the event stream looks at the run folder. */
const POLL_MS = 250;

export function trainingRoutes(app: FastifyInstance, store: RunStore, jobs: JobManager): void {
  app.get('/api/options', () => ({
    models: models().map((m) => ({
      name: m.name,
      description: m.description,
      options: Object.fromEntries(
        Object.entries(m.options).map(([k, s]) => [k, { default: s.default as unknown, help: String(s.description) }]),
      ),
      metrics: [...m.metrics],
    })),
    datasets: Object.keys(BUILTIN),
    defaults: {
      epochs: COMMON.epochs.default as number,
      model: DEFAULT_MODEL,
      dataset: COMMON.dataset.default as string,
    },
  }));

  app.post<{ Body: TrainRequest }>('/api/train', { schema: { body: trainBody() } }, async (req, reply) => {
    const job = jobs.start(req.body);
    return reply.code(202).send(job);
  });

  app.post<{ Params: RunParams }>('/api/runs/:run/stop', (req) => ({
    stopping: true,
    ...jobs.stop(req.params.run),
  }));

  app.get<{ Params: RunParams }>('/api/runs/:run/events', async (req, reply) => {
    const name = req.params.run;
    // The run folder appears with the child's config.json: a run just started may not have one yet.
    const dir = join(store.root, name);
    if (!jobs.job(name)) store.dir(name);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (event: string, data: unknown): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    // Every connection replays the run from its first epoch; `reset` tells a reconnecting page to forget what it had.
    send('reset', {});
    let sent = 0;
    const stamps = new Map<string, string>();
    /** Whether the file is there and changed (size or time) since the last tick. */
    const changed = (file: string): boolean => {
      const st = statSync(join(dir, file), { throwIfNoEntry: false });
      const stamp = st ? `${st.size}:${st.mtimeMs}` : '';
      if (stamp === (stamps.get(file) ?? '')) return false;
      stamps.set(file, stamp);
      return Boolean(st);
    };
    let live: ReturnType<typeof readLive> = null;
    let lastStatus = '';
    const tick = (): void => {
      if (changed(FILES.metrics)) {
        const metrics = readMetrics(dir); // whole lines only: a half-written last line does not parse yet
        if (metrics.length < sent) {
          sent = 0; // rewritten by a resume: replay
          send('reset', {});
        }
        for (const m of metrics.slice(sent)) send('metrics', m);
        sent = metrics.length;
      }
      if (changed(LIVE_FILE)) {
        live = readLive(dir);
        send('live', live);
      }
      if (changed(FILES.model))
        send('checkpoint', { time: new Date(statSync(join(dir, FILES.model)).mtimeMs).toISOString() });
      const job = jobs.job(name);
      const failed = job !== null && job.exitCode !== null && job.exitCode !== 0 && job.exitCode !== STOPPED_EXIT;
      const status = JSON.stringify({
        training: jobs.isTraining(name, dir, live),
        stopping: job?.stopping ?? false,
        exit_code: job?.exitCode ?? null,
        stderr: failed ? job.stderr.slice(-5) : [],
      });
      if (status !== lastStatus) {
        lastStatus = status;
        send('status', JSON.parse(status));
      }
    };
    const safeTick = (): void => {
      try {
        tick();
      } catch (err) {
        send('problem', { error: (err as Error).message }); // a file vanished mid-read: report it, keep the server up
      }
    };
    safeTick();
    const timer = setInterval(safeTick, POLL_MS);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.raw.on('close', () => {
      clearInterval(timer);
      clearInterval(heartbeat);
    });
  });
}
