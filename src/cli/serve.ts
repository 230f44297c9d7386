/** `latentlab serve`: the web UI (latent explorer, runs, training dashboard) over a runs folder. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { LOOPBACK_HOSTS, createServer } from '../server/app.js';
import { isLoopback, newToken } from '../server/token.js';
import { setNumThreads } from '../tensor/runtime.js';
import { portArg, positiveInt } from './parse.js';

export interface ServeFlags {
  runs: string;
  port: number;
  host: string;
  mapLimit?: number;
  json?: boolean;
  /** The token API calls must carry; beyond loopback a random one when not given. */
  token?: string;
}

function tokenArg(value: string): string {
  if (!/^[\x21-\x7e]+$/.test(value))
    throw new InvalidArgumentError('expected a token of printable characters, without spaces');
  return value;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('the web UI: explore a latent space with the mouse, compare runs, train and watch a model learn')
    .option('--runs <dir>', 'the folder holding the runs', 'runs')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').argParser(portArg).default(8080))
    .option(
      '--host <address>',
      'address to bind; other machines can connect only if you give one such as 0.0.0.0, and beyond loopback every API call needs a token (the address printed carries it)',
      '127.0.0.1',
    )
    .addOption(
      new Option(
        '--token <value>',
        'the token every API call must carry: required beyond loopback, where a random one is made when not given; on loopback none unless given',
      ).argParser(tokenArg),
    )
    .addOption(new Option('--map-limit <n>', 'test images encoded for the latent map').argParser(positiveInt))
    .option('--json', 'print the address as JSON')
    .addHelpText('after', '\nExample:\n  latentlab serve --runs runs --port 8080   # then open http://127.0.0.1:8080')
    .action(async (o: ServeFlags) => {
      await serve(o);
    });
}

/** Starts the server and keeps it up until SIGINT or SIGTERM; resolves with its address once listening. */
export async function serve(o: ServeFlags): Promise<string> {
  // On loopback the Host header must name this machine (against DNS rebinding); beyond it, the token guards.
  const loopback = isLoopback(o.host);
  const token = o.token ?? (loopback ? null : newToken());
  mkdirSync(o.runs, { recursive: true });
  setNumThreads(1); // decoding one image needs no more, and training children need the cores
  const server = await createServer({
    runsDir: o.runs,
    ...(o.mapLimit ? { mapLimit: o.mapLimit } : {}),
    ...(loopback ? { allowedHosts: [...new Set([...LOOPBACK_HOSTS, o.host.toLowerCase()])] } : { allowedHosts: null }),
    token,
  });
  const address = await server.app.listen({ port: o.port, host: o.host });
  const base = address.replace('[::1]', 'localhost');
  // As Jupyter does: the address to open carries the token, and the page keeps it.
  const url = token ? `${base}/?token=${encodeURIComponent(token)}` : base;
  console.log(
    o.json
      ? JSON.stringify({ url, runs: server.store.root, token })
      : `latentlab: serving ${server.store.root} at ${url} (Ctrl-C to stop)`,
  );
  const shutdown = (): void => {
    const training = server.jobs.running().length;
    if (training)
      console.error(
        `latentlab: stopping; ${training} training run(s) save a checkpoint first (resume them with train --resume)`,
      );
    void server.close().then(() => process.exit(0));
  };
  // Started by `train --serve`: end with the training process, however it ends.
  process.on('disconnect', shutdown);
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return url;
}
