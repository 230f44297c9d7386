/**
 * Benchmarks against the PyTorch reference, measured in the same run (this machine is shared
 * and noisy, so runs are interleaved and medians compared). Prints one JSON line per benchmark
 * with the project's and the reference's seconds and their ratio (project / reference).
 *
 *   npm run bench                 # vae-mlp epoch speed + MNIST load
 *   npm run bench -- memory       # 20,000 training steps, resident memory must stay flat
 *   npm run bench -- vae-mlp --repeats 5
 */
const originalWaitPolicy = process.env.OMP_WAIT_POLICY; // before the engine sets its default
const { availableParallelism } = await import('node:os');
const { BatchLoader } = await import('../src/data/loader.js');
const { loadMnist } = await import('../src/data/builtin.js');
const { VaeMlp } = await import('../src/models/vae-mlp/model.js');
const { Adam } = await import('../src/tensor/optim/adam.js');
const { manualSeed } = await import('../src/tensor/runtime.js');
const { trainEpoch } = await import('../src/train/vae-loop.js');
const { machine } = await import('./machine.js');
const { referenceConfigs, runReference } = await import('./reference.js');
const { memoryBench } = await import('./memory.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

async function projectEpoch(): Promise<number> {
  manualSeed(0);
  const train = await loadMnist('train');
  const model = new VaeMlp({ inputDim: 784, hidden: 400, latent: 20 });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const loader = new BatchLoader(train, { batchSize: 128, binarize: 'dynamic', flatten: true });
  const s = trainEpoch(model, opt, loader);
  model.dispose();
  opt.dispose();
  train.dispose();
  return s.seconds;
}

async function vaeMlp(repeats: number): Promise<void> {
  const cores = availableParallelism();
  const configs = referenceConfigs(cores, originalWaitPolicy);
  const ours: number[] = [];
  const refs = configs.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    ours.push(await projectEpoch());
    configs.forEach((cfg, i) => refs[i]!.push(runReference(['--model', 'mlp', '--epochs', '1'], cfg)[0]!.sec!));
    console.error(`  repeat ${r + 1}/${repeats}: project ${ours.at(-1)!.toFixed(2)} s; reference ${refs.map((x) => x.at(-1)!.toFixed(2)).join(' / ')} s`);
  }
  const medians = refs.map(median);
  const best = medians.indexOf(Math.min(...medians));
  const project = median(ours);
  console.log(
    JSON.stringify({
      name: 'vae-mlp-epoch',
      what: 'one epoch of the MNIST MLP VAE 784-400-20, batch 128, Adam 1e-3, dynamic binarization (seconds per epoch, median)',
      project_sec: r3(project),
      reference_sec: r3(medians[best]!),
      ratio: r3(project / medians[best]!),
      reference_config: configs[best]!.label,
      reference_all: Object.fromEntries(configs.map((c, i) => [c.label, r3(medians[i]!)])),
      ratio_vs_reference_default: r3(project / medians[0]!),
      repeats,
      project_runs: ours.map(r3),
      machine: machine(),
    }),
  );
}

async function mnistLoad(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const ds = await loadMnist('train');
    times.push((performance.now() - t0) / 1000);
    ds.dispose();
  }
  console.log(JSON.stringify({ name: 'mnist-load', what: 'MNIST training set (60,000 images) from the npm package into a uint8 tensor, median of 5', project_sec: r3(median(times)), machine: machine() }));
}

const args = process.argv.slice(2);
const which = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const repeatsAt = args.indexOf('--repeats');
const repeats = repeatsAt >= 0 ? Number(args[repeatsAt + 1]) : 3;
const stepsAt = args.indexOf('--steps');
const run = which.length ? which : ['vae-mlp', 'mnist-load'];
for (const b of run) {
  if (b === 'vae-mlp') await vaeMlp(repeats);
  else if (b === 'mnist-load') await mnistLoad();
  else if (b === 'memory') await memoryBench(stepsAt >= 0 ? Number(args[stepsAt + 1]) : 20000);
  else {
    console.error(`unknown benchmark '${b}' (vae-mlp, mnist-load, memory)`);
    process.exit(2);
  }
}
