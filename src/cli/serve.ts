/** `latentlab serve`: the web UI (latent explorer, runs, training dashboard) over a runs folder. */
import { Command, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { LOOPBACK_HOSTS, createServer } from '../server/app.js';
import { setNumThreads } from '../tensor/runtime.js';
import { portArg, positiveInt } from './parse.js';

export interface ServeFlags {
  runs: string;
  port: number;
  host: string;
  mapLimit?: number;
  json?: boolean;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('the web UI: explore a latent space with the mouse, compare runs, train and watch a model learn')
    .option('--runs <dir>', 'the folder holding the runs', 'runs')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').argParser(portArg).default(8080))
    .option(
      '--host <address>',
      'address to bind; other machines can connect only if you give one such as 0.0.0.0, and then anyone who reaches it can start and stop training',
      '127.0.0.1',
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
  const loopback = LOOPBACK_HOSTS.includes(o.host);
  mkdirSync(o.runs, { recursive: true });
  setNumThreads(1); // decoding one image needs no more, and training children need the cores
  const server = await createServer({
    runsDir: o.runs,
    ...(o.mapLimit ? { mapLimit: o.mapLimit } : {}),
    ...(loopback ? {} : { allowedHosts: null }),
  });
  const address = await server.app.listen({ port: o.port, host: o.host });
  const url = address.replace('[::1]', 'localhost');
  console.log(
    o.json
      ? JSON.stringify({ url, runs: server.store.root })
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
