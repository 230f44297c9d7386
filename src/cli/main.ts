/**
 * The latentlab command line. Each command parses its flags into a typed options object and
 * calls the library; nothing here computes anything itself.
 */
import { Command, Option } from 'commander';
import { dataCommand } from './data.js';
import { doctor, formatDoctor } from './doctor.js';
import { nonNegativeInt, positiveFloat, positiveInt } from './parse.js';
import { trainCommand } from './train.js';

export function buildProgram(): Command {
  const program = new Command('latentlab')
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

  program
    .command('train')
    .description('train the MLP VAE (784-hidden-latent, Bernoulli decoder, dynamic binarization) on the embedded MNIST')
    .addOption(new Option('--epochs <n>', 'passes over the training set').argParser(positiveInt).default(1))
    .addOption(new Option('--latent <n>', 'latent dimensions').argParser(positiveInt).default(20))
    .addOption(new Option('--hidden <n>', 'hidden units').argParser(positiveInt).default(400))
    .addOption(new Option('--batch-size <n>', 'images per step').argParser(positiveInt).default(128))
    .addOption(new Option('--lr <x>', 'Adam learning rate').argParser(positiveFloat).default(1e-3))
    .addOption(new Option('--seed <n>', 'random seed').argParser(nonNegativeInt).default(0))
    .addOption(new Option('--limit <n>', 'use only the first n training images').argParser(positiveInt))
    .option('--json', 'print one JSON object per epoch and a summary line')
    .action(async (o) => trainCommand({ ...o, json: Boolean(o.json) }));

  program.addCommand(dataCommand());

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
