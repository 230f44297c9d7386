/**
 * The latentlab command line. Each command parses its flags into a typed options object and
 * calls the library; nothing here computes anything itself.
 */
import { Command } from 'commander';
import { dataCommand } from './data.js';
import { doctor, formatDoctor } from './doctor.js';
import { anomalyCommand } from './anomaly.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { priorCommands } from './prior.js';
import { qualityCommands } from './quality.js';
import { reproduceCommand } from './reproduce.js';
import { runsCommand } from './runs.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';
import { visualCommands } from './visual.js';

export function buildProgram(): Command {
  const program = new Command('latentlab')
    .enablePositionalOptions()
    .description('Deep generative image models (autoencoders, VAEs, GANs) in TypeScript on libtorch')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(`latentlab: ${s.replace(/^error: /, '')}`) });

  program
    .command('doctor')
    .description("what the engine runs on: libtorch's version, its BLAS, threads, devices, matmul speed, datasets")
    .option('--json', 'print one JSON object')
    .action((o: { json?: boolean }) => {
      const r = doctor();
      console.log(o.json ? JSON.stringify(r) : formatDoctor(r));
    });

  // bin/latentlab.js builds the addon (native/build-addon.cjs) before this program loads it.
  program
    .command('setup')
    .description(
      "build the native addon against the libtorch found ($LIBTORCH, python3's torch, Debian's libtorch-dev), then show what it runs on",
    )
    .action(() => console.log(formatDoctor(doctor())));

  program.addCommand(trainCommand());
  program.addCommand(runsCommand());
  program.addCommand(evalCommand());
  program.addCommand(anomalyCommand());
  for (const c of qualityCommands()) program.addCommand(c);
  program.addCommand(reproduceCommand());
  program.addCommand(dataCommand());
  program.addCommand(exportCommand());
  program.addCommand(importCommand());
  program.addCommand(serveCommand());
  for (const c of visualCommands()) program.addCommand(c);
  for (const c of priorCommands()) program.addCommand(c);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    console.error(`latentlab: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
