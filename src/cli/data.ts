/** `latentlab data info|fetch`: look at a dataset, or download a built-in one into the cache. */
import { Command, Option } from 'commander';
import { BUILTIN } from '../data/builtin.js';
import { fetchDataset } from '../data/fetch.js';
import { datasetInfo, formatInfo } from '../data/info.js';
import { saveExamples } from '../viz/dataset-examples.js';
import { loadDataset, type DatasetSpec } from '../data/load.js';
import { channelCount, classList, imageSize, positiveInt, splitName } from './parse.js';
import { progressBar } from './progress.js';

/** The dataset options every command that reads data shares. */
export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'extra folder searched first for built-in datasets'))
    .addOption(new Option('--classes <list>', 'keep only these classes, e.g. 7 or 1,7').argParser(classList))
    .addOption(new Option('--limit <n>', 'keep only the first n images').argParser(positiveInt))
    .addOption(
      new Option('--size <HxW>', 'resize the images of a folder or IDX dataset, e.g. 32 or 32x48').argParser(imageSize),
    )
    .addOption(
      new Option('--channels <n>', 'folder images as 1 (grayscale) or 3 (RGB) channels').argParser(channelCount),
    );
}

export function datasetSpec(name: string, o: Record<string, unknown>, split: 'train' | 'test'): DatasetSpec {
  return {
    dataset: name,
    split,
    ...(o.dataDir ? { dataDir: o.dataDir as string } : {}),
    ...(o.classes ? { classes: o.classes as number[] } : {}),
    ...(o.limit ? { limit: o.limit as number } : {}),
    ...(o.size ? { size: o.size as [number, number] } : {}),
    ...(o.channels ? { channels: o.channels as 1 | 3 } : {}),
  };
}

export function dataCommand(): Command {
  const data = new Command('data').description('datasets: inspect one, or download a built-in one');
  addDatasetOptions(
    data
      .command('info')
      .argument(
        '<dataset>',
        `a built-in name (${Object.keys(BUILTIN).join(', ')}), a folder of class sub-folders of images, a folder of IDX files, or IMAGES,LABELS IDX files`,
      )
      .description('counts per class, image shape, pixel statistics, and a PNG grid of examples of each class')
      .addOption(new Option('--split <name>', 'train or test').argParser(splitName).default('train'))
      .option('--out <file>', 'where the PNG of examples goes (default: <dataset>-examples.png)')
      .option('--json', 'print one JSON object'),
  ).action(async (name: string, o: Record<string, unknown>) => {
    const ds = await loadDataset(datasetSpec(name, o, o.split as 'train' | 'test'));
    const info = datasetInfo(ds);
    const out = (o.out as string | undefined) ?? `${ds.name.replace(/[^\w.-]+/g, '_')}-examples.png`;
    await saveExamples(ds, out);
    console.log(o.json ? JSON.stringify({ ...info, examples: out }) : `${formatInfo(info)}\nexamples: ${out}`);
  });

  data
    .command('fetch')
    .argument('<dataset>', 'fashion-mnist')
    .description("download a built-in dataset's files into the cache, verifying each file's SHA-256")
    .option('--base-url <url>', 'download from this URL instead of the official mirror')
    .option('--dir <dir>', 'put the files here instead of the cache')
    .option('--json', 'print one JSON object')
    .action(async (name: string, o: { baseUrl?: string; dir?: string; json?: boolean }) => {
      let bar: ReturnType<typeof progressBar> | null = null;
      let current = '';
      const dir = await fetchDataset(name, {
        ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
        ...(o.dir ? { dir: o.dir } : {}),
        onProgress: (file, bytes, total) => {
          if (file !== current) {
            bar?.stop();
            current = file;
            bar = progressBar(file.split('/').pop()!, total ?? 1, !o.json && process.stderr.isTTY);
          }
          bar!.update(total ? bytes : 0, { MB: bytes / 2 ** 20 });
        },
      });
      (bar as ReturnType<typeof progressBar> | null)?.stop();
      console.log(o.json ? JSON.stringify({ dataset: name, dir }) : `${name} is in ${dir}`);
    });
  return data;
}
