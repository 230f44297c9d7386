/**
 * `latentlab import`: a run directory (config.json + model.safetensors) from a safetensors file
 * of weights, such as one a PyTorch model with latentlab's layer names saved. The model is
 * described by the same flags as `train` (--model, --latent, --hidden, ...).
 */
import { Command } from 'commander';
import { importRun } from '../train/import-run.js';
import { addConfigHelp, addConfigOptions, configFromFlags } from './config-flags.js';

const HELP = `
Every tensor's name and shape is checked against the model the flags describe; a mismatch
lists the missing, unexpected and mismatched names, and nothing is written. The names are
PyTorch's state_dict() names (e.g. vae-mlp: enc, mu, lv, dec.0, dec.2, as in
bench/reference/torch_vae.py). The dataset (--dataset, default mnist) gives the image
shape and the class names. Afterwards sample, decode, export, ... work on the run.

Example:
  latentlab import --weights vae.safetensors --model vae-mlp --latent 20 --hidden 400 --out runs/imported`;

interface ImportFlags {
  weights: string;
  out: string;
  config?: string;
  json?: boolean;
  [key: string]: unknown;
}

export function importCommand(): Command {
  const cmd = new Command('import')
    .description(
      'a run directory from a safetensors file of weights (e.g. saved from PyTorch), checked against the model',
    )
    .requiredOption('--weights <file>', 'the safetensors file')
    .requiredOption('--out <dir>', 'the run directory to create')
    .option('--config <file>', 'JSON file of settings (flags override it)')
    .option('--json', 'print a JSON summary');
  // The model's settings are train's own flags, so that both read a configuration alike.
  addConfigOptions(cmd);
  addConfigHelp(cmd);
  return cmd.addHelpText('after', HELP).action(async (flags: ImportFlags) => {
    const config = configFromFlags(flags);
    const r = await importRun(flags.weights, config, flags.out, { onNote: (text) => console.error(text) });
    const summary = { run_dir: r.dir, model: config.model, tensors: r.tensors, parameters: r.parameters };
    console.log(
      flags.json
        ? JSON.stringify(summary)
        : `imported ${r.tensors} tensors (${r.parameters.toLocaleString('en')} parameters) of ${config.model} into ${r.dir}`,
    );
  });
}
