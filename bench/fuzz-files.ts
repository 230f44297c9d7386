/**
 * A file fuzzer for latentlab's readers: mutated IDX files (raw and gzipped), safetensors
 * weights (read, and imported into a run), run config.json files and PNG/JPEG image folders.
 * Each case is one mutated copy of a valid seed file (bit flips, random bytes, truncation,
 * inserted or repeated chunks), read in a worker process with a per-case timeout.
 *
 * A case passes when the reader accepts the file or throws an error whose message names the
 * file, and, for imports, leaves no half-written run folder. A native crash (the worker dies)
 * or a hang (the timeout) fails it, and the worker is restarted. Prints one JSON line.
 *
 *   node --import tsx bench/fuzz-files.ts [--cases 2000] [--seed 1] [--timeout 10]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { parseArgs } from 'node:util';
import { prng } from '../test/helpers.js';

type Kind = 'idx' | 'idx.gz' | 'safetensors' | 'import' | 'config' | 'png' | 'jpeg';
const KINDS: Kind[] = ['idx', 'idx.gz', 'safetensors', 'import', 'config', 'png', 'jpeg'];

interface Case {
  id: number;
  kind: Kind;
  /** The mutated file, and for folders and runs the folder that holds it. */
  file: string;
  dir: string;
}
interface Outcome {
  id: number;
  result: 'accepted' | 'rejected';
  message?: string;
  leftovers?: string[];
}

// ---------------------------------------------------------------------------------------
// The worker: reads each case it is sent, and answers.

async function readCase(c: Case): Promise<Outcome> {
  const { readIdx } = await import('../src/data/idx.js');
  const { loadSafetensors } = await import('../src/tensor/safetensors.js');
  const { loadImageFolder } = await import('../src/data/folder.js');
  const { readConfig } = await import('../src/train/run-dir.js');
  const { resolveStoredConfig, resolveConfig } = await import('../src/train/config.js');
  const { importRun } = await import('../src/train/import-run.js');
  const { disposeAll } = await import('../src/tensor/scope.js');
  try {
    switch (c.kind) {
      case 'idx':
      case 'idx.gz':
        await readIdx(c.file);
        break;
      case 'safetensors':
        disposeAll(loadSafetensors(c.file).tensors);
        break;
      case 'import': {
        const out = join(c.dir, 'run');
        try {
          await importRun(c.file, resolveConfig({}, { model: 'vae-mlp', hidden: 8, latent: 2 }), out);
        } catch (e) {
          let leftovers: string[] = [];
          try {
            leftovers = readdirSync(out);
          } catch {
            leftovers = [];
          }
          return { id: c.id, result: 'rejected', message: (e as Error).message, leftovers };
        }
        break;
      }
      case 'config': {
        const { resolved: _resolved, ...stored } = readConfig(c.dir);
        resolveStoredConfig(stored, {}, c.file);
        break;
      }
      default:
        (await loadImageFolder(c.dir)).dispose();
    }
    return { id: c.id, result: 'accepted' };
  } catch (e) {
    return { id: c.id, result: 'rejected', message: (e as Error).message };
  }
}

function worker(): void {
  process.on('message', (c: Case) => {
    void readCase(c).then((o) => process.send!(o));
  });
}

// ---------------------------------------------------------------------------------------
// The parent: seed files, mutations, the worker's supervision, the summary.

/** Valid files to mutate, one per kind. */
async function seeds(): Promise<Record<Kind, Buffer>> {
  const { encodeIdx } = await import('../src/data/idx.js');
  const { serializeSafetensors } = await import('../src/tensor/safetensors.js');
  const { buildModel } = await import('../src/train/prepare.js');
  const { resolveConfig } = await import('../src/train/config.js');
  const pixels = Array.from({ length: 6 * 8 * 8 }, (_, i) => (i * 37) % 256);
  const idx = encodeIdx(0x08, [6, 8, 8], pixels);
  const model = buildModel(resolveConfig({}, { model: 'vae-mlp', hidden: 8, latent: 2 }), [1, 28, 28], 10);
  const weights = Buffer.concat(serializeSafetensors(Object.fromEntries(model.namedParameters())));
  model.dispose();
  const config = Buffer.from(JSON.stringify(resolveConfig({}, { model: 'vae-mlp', epochs: 2 }), null, 2));
  const raw = { data: Buffer.from(pixels.slice(0, 64)), info: { width: 8, height: 8, channels: 1 as const } };
  const png = await sharp(raw.data, { raw: raw.info }).png().toBuffer();
  const jpeg = await sharp(raw.data, { raw: raw.info }).jpeg().toBuffer();
  return {
    idx,
    'idx.gz': gzipSync(idx),
    safetensors: weights,
    import: weights,
    config,
    png,
    jpeg,
  };
}

/** One mutation of `b`, chosen by `rand`. */
function mutate(b: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(b);
  const at = (): number => Math.floor(rand() * out.length);
  switch (Math.floor(rand() * 6)) {
    case 0: // flip a few bits
      for (let i = 0, n = 1 + Math.floor(rand() * 8); i < n; i++) out[at()]! ^= 1 << Math.floor(rand() * 8);
      return out;
    case 1: // random bytes somewhere
      for (let i = 0, n = 1 + Math.floor(rand() * 16); i < n; i++) out[at()] = Math.floor(rand() * 256);
      return out;
    case 2: // truncate
      return out.subarray(0, at());
    case 3: {
      // insert a random chunk
      const i = at();
      const chunk = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      return Buffer.concat([out.subarray(0, i), chunk, out.subarray(i)]);
    }
    case 4: {
      // repeat a chunk
      const i = at();
      return Buffer.concat([out.subarray(0, i), out.subarray(i, i + 32), out.subarray(i)]);
    }
    default: // the header: bytes in the first 16 set to extremes
      for (let i = 0; i < 3; i++) out[Math.floor(rand() * Math.min(16, out.length))] = rand() < 0.5 ? 0 : 255;
      return out;
  }
}

/** Writes case `id` of `kind` under `root`. */
function writeCase(root: string, id: number, kind: Kind, bytes: Buffer): Case {
  const dir = join(root, `case-${id}`);
  mkdirSync(dir, { recursive: true });
  let file: string;
  if (kind === 'png' || kind === 'jpeg') {
    // A class folder with the mutated image beside a valid one of the same kind.
    mkdirSync(join(dir, 'a'), { recursive: true });
    file = join(dir, 'a', `mutated.${kind === 'png' ? 'png' : 'jpg'}`);
  } else if (kind === 'config') file = join(dir, 'config.json');
  else file = join(dir, kind === 'import' ? 'weights.safetensors' : `data.${kind}`);
  writeFileSync(file, bytes);
  return { id, kind, file, dir };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      timeout: { type: 'string', default: '10' },
    },
  });
  const total = Number(values.cases);
  const timeoutMs = Number(values.timeout) * 1000;
  const rand = prng(Number(values.seed));
  const root = mkdtempSync(join(tmpdir(), 'latentlab-fuzz-'));
  const seed = await seeds();
  const t0 = performance.now();
  const counts = { accepted: 0, rejected: 0, crashes: 0, hangs: 0, nameless: 0, halfWritten: 0 };
  const failures: { id: number; kind: Kind; what: string }[] = [];
  let child: ChildProcess | null = null;
  const start = (): ChildProcess =>
    fork(process.argv[1]!, ['--worker'], { execArgv: process.execArgv, stdio: 'inherit' });
  for (let id = 0; id < total; id++) {
    const kind = KINDS[id % KINDS.length]!;
    const c = writeCase(root, id, kind, mutate(seed[kind], rand));
    if (kind === 'png' || kind === 'jpeg')
      writeFileSync(join(c.dir, 'a', `valid.${kind === 'png' ? 'png' : 'jpg'}`), seed[kind]);
    child ??= start();
    const w: ChildProcess = child;
    const outcome = await new Promise<Outcome | 'crash' | 'hang'>((resolve) => {
      const timer = setTimeout(() => resolve('hang'), timeoutMs);
      const onMessage = (o: Outcome): void => {
        clearTimeout(timer);
        w.off('exit', onExit);
        resolve(o);
      };
      const onExit = (): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        resolve('crash');
      };
      w.once('message', onMessage);
      w.once('exit', onExit);
      w.send(c);
    });
    if (outcome === 'crash' || outcome === 'hang') {
      counts[outcome === 'crash' ? 'crashes' : 'hangs']++;
      failures.push({ id, kind, what: outcome });
      w.removeAllListeners();
      w.kill('SIGKILL');
      child = null;
    } else if (outcome.result === 'accepted') counts.accepted++;
    else {
      counts.rejected++;
      const names = outcome.message?.includes(c.file) || outcome.message?.includes(c.dir);
      if (!names) {
        counts.nameless++;
        failures.push({ id, kind, what: `error without the file's name: ${outcome.message?.slice(0, 200)}` });
      }
      if (outcome.leftovers?.length) {
        counts.halfWritten++;
        failures.push({ id, kind, what: `left ${outcome.leftovers.join(', ')} in the run folder` });
      }
    }
    rmSync(c.dir, { recursive: true, force: true });
    if ((id + 1) % 200 === 0) process.stderr.write(`fuzz: ${id + 1}/${total} cases\n`);
  }
  child?.kill();
  rmSync(root, { recursive: true, force: true });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  console.log(
    JSON.stringify({ bench: 'fuzz-files', cases: total, ...counts, seconds, failures: failures.slice(0, 20) }),
  );
  if (failures.length) process.exitCode = 1;
}

if (process.argv.includes('--worker')) worker();
else await main();
