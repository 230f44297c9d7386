/** The VQ-VAE code grids of a run's images, which `latentlab prior` and the report fit its PixelCNN prior to. */
import { BatchLoader } from '../data/loader.js';
import { loadDataset } from '../data/load.js';
import { encodeCodeGrids, type asVqVae } from '../models/vq-vae/prior-fit.js';
import { withSeed } from '../tensor/runtime.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OpenRun } from '../train/open-run.js';
import { runDatasetSpec } from '../train/prepare.js';
import { EVAL_SEED } from '../train/validation.js';

/**
 * The code grids of a split's images, binarized as the run was trained (a dynamic draw fixed by
 * the evaluation seed), encoded by `model` (the run's model as a VQ-VAE).
 */
export async function codeGridsOf(
  run: OpenRun,
  model: ReturnType<typeof asVqVae>,
  split: 'train' | 'test',
): Promise<Tensor> {
  const ds = split === 'train' ? await loadDataset(runDatasetSpec(run.config, 'train')) : await run.testSet();
  try {
    const loader = new BatchLoader(ds, { batchSize: 500, shuffle: false, binarize: run.config.binarize });
    return withSeed(EVAL_SEED, () =>
      encodeCodeGrids(
        model,
        [...loader.epoch()].map((b) => () => b.load().x),
      ),
    );
  } finally {
    if (split === 'train') ds.dispose(); // the test set belongs to the run
  }
}
