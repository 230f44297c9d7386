/**
 * A training loop of your own on the tensor engine: a small VAE (Kingma and Welling 2014) built
 * from `nn` layers, Adam from `optim`, and tidy() freeing each step's tensors.
 *
 *   node --import tsx examples/custom-loop.ts [--limit N] [--epochs N] [--log-every N] [--out DIR]
 *
 * Defaults: all 60,000 training images, 10 epochs, a line every 100 steps, out runs/examples/custom-loop.
 * Tiny (as npm test runs it): --limit 512 --epochs 1 --log-every 2.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binaryCrossEntropyWithLogits, datasets, liveTensors, manualSeed, nn, optim } from 'latentlab';
import { randnLike, saveSafetensors, tidy, type Tensor } from 'latentlab'; // tensor functions: top level

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string' }, // training images (default: all of them)
    epochs: { type: 'string', default: '10' },
    'log-every': { type: 'string', default: '100' },
    out: { type: 'string', default: 'runs/examples/custom-loop' },
  },
});

/** x -> hidden -> (mu, logvar) of q(z|x); z -> hidden -> logits of p(x|z), a Bernoulli per pixel. */
class TinyVae extends nn.Module {
  readonly enc = this.module('enc', new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU()));
  readonly mu = this.module('mu', new nn.Linear(256, 16));
  readonly logvar = this.module('logvar', new nn.Linear(256, 16));
  readonly dec = this.module('dec', new nn.Sequential(new nn.Linear(16, 256), new nn.ReLU(), new nn.Linear(256, 784)));

  /** The negative ELBO, nats per image: reconstruction + KL(q(z|x) || N(0, I)). */
  loss(x: Tensor): Tensor {
    const h = this.enc.forward(x);
    const [mu, logvar] = [this.mu.forward(h), this.logvar.forward(h)];
    const z = mu.add(logvar.mul(0.5).exp().mul(randnLike(mu))); // the reparameterization trick
    const recon = binaryCrossEntropyWithLogits(this.dec.forward(z), x, 'sum');
    const kl = mu.square().add(logvar.exp()).sub(1).sub(logvar).sum().mul(0.5);
    return recon.add(kl).div(x.size(0));
  }
}

manualSeed(0); // the same initialisation and batches each time
const mnist = await datasets.loadMnist('train');
const train = args.limit ? mnist.take(Number(args.limit)) : mnist;
const loader = new datasets.BatchLoader(train, { batchSize: 128, binarize: 'dynamic', flatten: true });
const vae = new TinyVae();
const adam = new optim.Adam(vae.parameters(), { lr: 1e-3 });

let step = 0;
for (let epoch = 1; epoch <= Number(args.epochs); epoch++) {
  for (const batch of loader.epoch()) {
    // Everything made inside tidy() (batch, activations, gradients' graph) is freed when it
    // returns; only the plain number leaves it.
    const loss = tidy(() => {
      const l = vae.loss(batch.load().x);
      adam.zeroGrad();
      l.backward();
      adam.step();
      return l.item();
    });
    if (step++ % Number(args['log-every']) === 0) console.log(`step ${step - 1}: -ELBO ${loss.toFixed(2)} nats`);
  }
  console.log(`epoch ${epoch} done; live tensors: ${liveTensors()} (the same after every epoch)`);
}
const file = join(args.out, 'tiny-vae.safetensors');
saveSafetensors(file, vae.stateDict()); // opens in PyTorch with safetensors.torch.load_file
console.log(`weights: ${file}`);
