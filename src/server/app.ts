/**
 * The web server of `latentlab serve`: a JSON API over the runs folder (explorer, runs,
 * training dashboard) and the built web UI (dist/web). Every refusal is a 4xx with
 * `{ error }` saying what is wrong, and the server goes on; anything else is a 500 with the
 * message, logged.
 */
import { CapabilityError } from '../models/capabilities.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { packageRoot } from '../binding/native.js';
import { HttpError } from '../util/http-error.js';
import { JobManager } from './jobs.js';
import { RunStore } from './run-store.js';
import { guardToken } from './token.js';
import { runRoutes } from './routes/runs.js';
import { trainingRoutes } from './routes/training.js';

export interface ServerOptions {
  /** The folder whose sub-folders are runs. */
  runsDir: string;
  /** The built web UI; default dist/web in the package. */
  webRoot?: string;
  /** Test images encoded for the latent map (default 2000). */
  mapLimit?: number;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  logger?: boolean;
  /**
   * Host names the server answers to (the Host header). Default: loopback names only, which
   * stops DNS rebinding (a page elsewhere that resolves its own name to 127.0.0.1); null: any,
   * for --host 0.0.0.0.
   */
  allowedHosts?: string[] | null;
  /**
   * A token every API call and event stream must carry (Authorization: Bearer, or ?token=);
   * the page's own files stay public. `latentlab serve` sets one whenever it binds beyond loopback.
   */
  token?: string | null;
}

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '::1'];

/**
 * Refuses requests another web site could make through the user's browser: a Host that is not
 * ours (DNS rebinding), a POST from another origin, or a POST whose body is not JSON (a form
 * or a no-cors fetch, which browsers send cross-site without asking).
 */
/** The host of an Origin header; null for one that is not a URL (refused like a foreign one). */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function guardOrigin(req: FastifyRequest, allowed: string[] | null | undefined): void {
  const hosts = allowed === undefined ? LOOPBACK_HOSTS : allowed;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (hosts && !hosts.includes(host))
    throw new HttpError(
      403,
      `this server answers to ${hosts.join(', ')}, not to host '${host}' (start it with --host to serve other names)`,
    );
  if (req.method !== 'POST') return;
  const origin = req.headers.origin;
  if (origin && origin !== 'null' && originHost(origin) !== req.headers.host)
    throw new HttpError(403, `requests from ${origin} are not allowed`);
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new HttpError(415, 'send the request body as JSON (content-type: application/json)');
}

export interface LatentlabServer {
  app: FastifyInstance;
  store: RunStore;
  jobs: JobManager;
  /** Stops training children (they checkpoint first), closes the server and frees the open runs; gives how many children there were. */
  close(): Promise<number>;
}

export const DEFAULT_WEB_ROOT = join(packageRoot, 'dist', 'web');

export async function createServer(o: ServerOptions): Promise<LatentlabServer> {
  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: o.bodyLimit ?? 1 << 20,
    forceCloseConnections: true, // event streams would otherwise hold close() open
    routerOptions: { maxParamLength: 200 }, // run names are up to 128 characters, encoded
    // Bodies are checked as they are: no type coercion ("1" is not 1), no silent removal of unknown keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const store = new RunStore(o.runsDir);
  const jobs = new JobManager(store);

  app.addHook('onRequest', (req, reply, done) => {
    guardOrigin(req, o.allowedHosts);
    if (o.token) guardToken(req, reply, o.token);
    done();
  });
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    // A model that lacks what the request needs (samples of a model without a prior) is the request's fault.
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 600
        ? err.statusCode
        : err instanceof CapabilityError
          ? 400
          : 500;
    const message = 'validation' in err && err.validation ? `invalid request: ${err.message}` : err.message;
    if (status >= 500) console.error(`latentlab serve: ${req.method} ${req.url}: ${err.stack ?? err.message}`);
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` });
  });

  runRoutes(app, store, jobs, { mapLimit: o.mapLimit ?? 2000 });
  trainingRoutes(app, store, jobs);
  app.get('/api/health', () => ({ ok: true }));

  const webRoot = o.webRoot ?? DEFAULT_WEB_ROOT;
  if (existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send(`the web UI is not built (no ${webRoot}/index.html): run npm run build:web, or bash scripts/setup.sh`),
    );
  }

  return {
    app,
    store,
    jobs,
    async close() {
      const stopped = await jobs.close();
      await app.close();
      store.close();
      return stopped;
    },
  };
}
