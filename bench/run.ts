/**
 * Benchmarks against the PyTorch reference, measured in the same run (this machine is shared
 * and noisy, so runs are interleaved and medians compared). Prints one JSON line per benchmark
 * with the project's and the reference's seconds and their ratio (project / reference).
 *
 *   npm run bench                 # vae-mlp and vae-conv epoch speed + MNIST load
 *   npm run bench -- memory       # 20,000 training steps, resident memory must stay flat
 *   npm run bench -- vae-mlp --repeats 5 --images 60000   (images per timed pass: an epoch, or fewer)
 *   npm run bench -- dcgan --repeats 3 [--width 64 --latent 100]   # the 28x28 dcgan against bench/reference/torch_dcgan.py (width 32, z=20 unless told; a minute or more an epoch; not in the default set)
 */
const original = { waitPolicy: process.env.OMP_WAIT_POLICY, coreType: process.env.OPENBLAS_CORETYPE }; // before the engine sets its defaults
const { availableParallelism } = await import('node:os');
const { BatchLoader } = await import('../src/data/loader.js');
const { loadMnist } = await import('../src/data/builtin.js');
const { VaeMlp } = await import('../src/models/vae-mlp/model.js');
const { VaeConv } = await import('../src/models/vae-conv/model.js');
const { Dcgan } = await import('../src/models/gan/dcgan.js');
const { tidy } = await import('../src/tensor/scope.js');
const { manualSeed } = await import('../src/tensor/runtime.js');
const { OptimizerGroup, stepContext } = await import('../src/train/optimizers.js');
const { nonSaturating } = await import('../src/models/gan/losses.js');
const { resolveConfig } = await import('../src/train/config.js');
const { machine } = await import('./machine.js');
const { referenceConfigs, runReference, DCGAN_REFERENCE } = await import('./reference.js');
const { memoryBench } = await import('./memory.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Index of the reference setting with the smallest median time. */
function bestConfig(refs: number[][]): number {
  const medians = refs.map(median);
  return medians.indexOf(Math.min(...medians));
}

/** One JSON line: the project's median time against each reference setting's, the ratio against the fastest. */
function reportComparison(o: {
  name: string;
  what: string;
  images: number;
  ours: number[];
  refs: number[][];
  configs: { label: string }[];
  extra?: Record<string, unknown>;
}): void {
  const medians = o.refs.map(median);
  const best = bestConfig(o.refs);
  const project = median(o.ours);
  console.log(
    JSON.stringify({
      name: o.name,
      what: o.what,
      images: o.images,
      project_sec: r3(project),
      reference_sec: r3(medians[best]!),
      project_sec_per_epoch: r3((project * 60000) / o.images),
      ratio: r3(project / medians[best]!),
      reference_config: o.configs[best]!.label,
      reference_all: Object.fromEntries(o.configs.map((c, i) => [c.label, r3(medians[i]!)])),
      ratio_vs_reference_default: r3(project / medians[0]!),
      ...o.extra,
      repeats: o.ours.length,
      project_runs: o.ours.map(r3),
      machine: machine(),
    }),
  );
}

type Arch = 'mlp' | 'conv';

/** One epoch of the project's model, the same work as the reference's epoch. */
async function projectEpoch(arch: Arch, images: number): Promise<number> {
  manualSeed(0);
  const full = await loadMnist('train');
  const train = full.take(images);
  const o = { latent: 20, imageShape: [1, 28, 28] as [number, number, number] };
  const model = arch === 'mlp' ? new VaeMlp({ ...o, hidden: 400 }) : new VaeConv({ ...o, layout: 'strided' });
  const opt = OptimizerGroup.create(resolveConfig({}, { lr: 1e-3 }), model.parameterGroups());
  const ctx = stepContext(opt);
  const loader = new BatchLoader(train, { batchSize: 128, binarize: 'dynamic' });
  const t0 = performance.now();
  for (const b of loader.epoch())
    tidy(() => {
      const { x, y } = b.load();
      return model.trainingStep({ x, y, t: 0, iteration: b.index }, ctx);
    });
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  opt.dispose();
  full.dispose();
  return seconds;
}

async function vaeEpoch(arch: Arch, repeats: number, images: number): Promise<void> {
  const cores = availableParallelism();
  const configs = referenceConfigs(cores, original);
  const ours: number[] = [];
  const refs = configs.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    ours.push(await projectEpoch(arch, images));
    configs.forEach((cfg, i) =>
      refs[i]!.push(runReference(['--model', arch, '--epochs', '1', '--limit', String(images)], cfg)[0]!.sec!),
    );
    console.error(
      `  vae-${arch} repeat ${r + 1}/${repeats}: project ${ours.at(-1)!.toFixed(2)} s; reference ${refs.map((x) => x.at(-1)!.toFixed(2)).join(' / ')} s`,
    );
  }
  reportComparison({
    name: `vae-${arch}-epoch`,
    what:
      arch === 'mlp'
        ? 'the MNIST MLP VAE 784-400-20, batch 128, Adam 1e-3, dynamic binarization: seconds for `images` training images (median)'
        : 'the MNIST conv VAE (32-64 stride-2 convolutions, z=20), batch 128, Adam 1e-3, dynamic binarization: seconds for `images` training images (median)',
    images,
    ours,
    refs,
    configs,
  });
}

/** The dcgan's size: width 32, z=20 by default (a light layout); `--width 64 --latent 100` is the project's default model. */
interface GanSize {
  width: number;
  latent: number;
}

/** One epoch of the project's dcgan (28x28, nonsaturating), the same work as bench/reference/torch_dcgan.py's epoch. */
async function projectGanEpoch(
  images: number,
  size: GanSize,
): Promise<{ seconds: number; losses: Record<string, number> }> {
  manualSeed(0);
  const full = await loadMnist('train');
  const train = full.take(images);
  const model = new Dcgan({ latent: size.latent, imageShape: [1, 28, 28], loss: nonSaturating, width: size.width });
  const pair = OptimizerGroup.create(resolveConfig({}, { model: 'dcgan' }), model.parameterGroups());
  const ctx = stepContext(pair);
  const loader = new BatchLoader(train, { batchSize: 128, binarize: 'none' });
  const sums: Record<string, number> = {};
  let index = 0;
  const t0 = performance.now();
  for (const b of loader.epoch()) {
    const step = tidy(() => {
      const { x, y } = b.load();
      return model.trainingStep({ x, y, t: 0, iteration: index++ }, ctx);
    });
    // the step's sums are over the batch's images; divided by `images` below, per-image means as the reference prints
    for (const [k, v] of Object.entries(step)) sums[k] = (sums[k] ?? 0) + v;
  }
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  pair.dispose();
  full.dispose();
  return {
    seconds,
    losses: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Math.round((v / images) * 1e4) / 1e4])),
  };
}

async function dcganEpoch(repeats: number, images: number, size: GanSize): Promise<void> {
  const configs = referenceConfigs(availableParallelism(), original);
  const ours: number[] = [];
  const refs = configs.map(() => [] as number[]);
  let losses: Record<string, number> = {};
  const refLosses: Record<string, number>[] = [];
  for (let r = 0; r < repeats; r++) {
    const p = await projectGanEpoch(images, size);
    ours.push(p.seconds);
    losses = p.losses;
    configs.forEach((cfg, i) => {
      const e = runReference(
        ['--epochs', '1', '--limit', String(images), '--width', String(size.width), '--latent', String(size.latent)],
        cfg,
        DCGAN_REFERENCE,
      )[0]!;
      refs[i]!.push(e.sec!);
      refLosses[i] = e;
    });
    console.error(
      `  dcgan repeat ${r + 1}/${repeats}: project ${ours.at(-1)!.toFixed(2)} s; reference ${refs.map((x) => x.at(-1)!.toFixed(2)).join(' / ')} s`,
    );
  }
  const best = bestConfig(refs);
  const pick = (e: Record<string, number>): Record<string, number> => ({
    dLoss: e.d_loss!,
    gLoss: e.g_loss!,
    dReal: e.d_real!,
    dFake: e.d_fake!,
  });
  reportComparison({
    name: 'dcgan-epoch',
    what: `the MNIST 28x28 dcgan (width ${size.width}, z=${size.latent}, nonsaturating), batch 128, two Adams 2e-4 (0.5, 0.999), grey pixels: seconds for \`images\` training images (median)`,
    images,
    ours,
    refs,
    configs,
    // last repeat's per-image means, a sanity check that both sides train alike (not a quality measure)
    extra: { project_losses: losses, reference_losses: pick(refLosses[best]!) },
  });
}

async function mnistLoad(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const ds = await loadMnist('train');
    times.push((performance.now() - t0) / 1000);
    ds.dispose();
  }
  console.log(
    JSON.stringify({
      name: 'mnist-load',
      what: 'MNIST training set (60,000 images) from the npm package into a uint8 tensor, median of 5',
      project_sec: r3(median(times)),
      machine: machine(),
    }),
  );
}

const args = process.argv.slice(2);
const which = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const repeats = option('--repeats', 3);
const images = (arch: Arch): number => option('--images', arch === 'mlp' ? 60000 : 12800);
const run = which.length ? which : ['vae-mlp', 'vae-conv', 'mnist-load'];
for (const b of run) {
  if (b === 'vae-mlp') await vaeEpoch('mlp', repeats, images('mlp'));
  else if (b === 'vae-conv') await vaeEpoch('conv', repeats, images('conv'));
  else if (b === 'dcgan')
    await dcganEpoch(repeats, option('--images', 60000), {
      width: option('--width', 32),
      latent: option('--latent', 20),
    });
  else if (b === 'mnist-load') await mnistLoad();
  else if (b === 'memory') await memoryBench(option('--steps', 20000));
  else {
    console.error(`unknown benchmark '${b}' (vae-mlp, vae-conv, dcgan, mnist-load, memory)`);
    process.exit(2);
  }
}
