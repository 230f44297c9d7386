/**
 * VQ-VAE's PixelCNN prior for the report, fitted as `latentlab prior --run R --epochs E` fits it
 * (workflow/vq-prior.ts, with the command's defaults), so the weights are those the command
 * gives. A run whose prior is already fitted is left as it is.
 */
import { fitVqPrior, PRIOR_DEFAULTS } from '../workflow/vq-prior.js';

export interface PriorFit {
  /** Epochs the run's prior has been trained for, now. */
  epochs: number;
  /** Fitted by this call (false: it was already fitted). */
  fitted: boolean;
  /** This call's last epoch: -log p per code grid of the test images, and per code (nats). */
  testNll?: number;
  testNllPerCode?: number;
}

/** Fits the prior of the vq-vae run in `dir` for `epochs` epochs, unless it is fitted already; then rewrites its weights and samples.png. */
export async function ensureVqPrior(dir: string, epochs: number, message: (text: string) => void): Promise<PriorFit> {
  const fit = await fitVqPrior(
    dir,
    { ...PRIOR_DEFAULTS, epochs },
    {
      keepFitted: true,
      onNote: message,
      onEpoch: (e) =>
        message(
          `PixelCNN prior epoch ${e.epoch}/${e.epochs}: train ${e.train_nll.toFixed(2)}, test ${e.test_nll.toFixed(2)} nats per code grid`,
        ),
    },
  );
  if (!fit.fitted)
    message(`${dir}: its PixelCNN prior is fitted already (${fit.epochs} epochs of 'latentlab prior'), kept`);
  return {
    epochs: fit.epochs,
    fitted: fit.fitted,
    testNll: fit.last?.test_nll,
    testNllPerCode: fit.last?.test_nll_per_code,
  };
}
