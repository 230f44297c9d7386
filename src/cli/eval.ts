/** `latentlab eval`: test likelihoods of a run (see eval/evaluate-run.ts). */
import { Command, Option } from 'commander';
import { withOpenRun } from '../train/open-run.js';
import { evaluateRun } from '../eval/evaluate-run.js';
import { nonNegativeIntArg, positiveInt } from './parse.js';
import { progressBar } from './progress.js';

export function evalCommand(): Command {
  return new Command('eval')
    .description(
      "a run's test negative ELBO (nats per image, bits per dimension), its terms, active units, the codes' total correlation, and the importance-weighted NLL (Burda et al.)",
    )
    .requiredOption('--run <dir>', 'the run directory')
    .addOption(
      new Option('--k <n>', 'importance samples per image (0 skips the estimate)')
        .argParser(nonNegativeIntArg)
        .default(5000),
    )
    .addOption(new Option('--limit <n>', 'evaluate only the first n test images').argParser(positiveInt))
    .addOption(new Option('--batch <n>', 'images per importance-sampling batch').argParser(positiveInt).default(100))
    .option('--json', 'print the results as one JSON line')
    .action(async (o: { run: string; k: number; limit?: number; batch: number; json?: boolean }) => {
      await withOpenRun(o.run, async (run) => {
        const bar = progressBar(`importance sampling (k=${o.k})`, 1, !o.json && process.stderr.isTTY);
        const r = await evaluateRun(run, {
          k: o.k,
          batch: o.batch,
          ...(o.limit ? { limit: o.limit } : {}),
          onProgress: (done, total) => {
            bar.setTotal(total);
            bar.update(done, { images: `${done}/${total}` });
          },
        });
        bar.stop();
        if (o.json) {
          console.log(JSON.stringify(r));
          return;
        }
        console.log(
          [
            `${r.model} on ${r.dataset} (${r.test_images} test images, ${r.binarize} binarization)`,
            `test -ELBO      ${r.test_neg_elbo.toFixed(2)} nats per image (${r.bits_per_dim.toFixed(4)} bits/dim): reconstruction ${r.test_recon.toFixed(2)}, KL ${r.test_kl.toFixed(2)}`,
            r.iw_nll === null
              ? 'importance-weighted NLL: not applicable'
              : `test NLL (k=${r.k})  ${r.iw_nll.toFixed(2)} nats per image (${r.iw_bits_per_dim!.toFixed(4)} bits/dim), importance-weighted`,
            r.active_units === null ? '' : `active units    ${r.active_units} of ${r.latent}`,
            r.tc === null
              ? ''
              : `total corr.     ${r.tc.toFixed(2)} nats per image (TC of the codes, Chen et al.'s estimate)`,
            `written to ${run.dir}/eval.json (${r.seconds} s)`,
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });
}
