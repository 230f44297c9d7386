/** How to run the latentlab command line in a child process, from wherever this code runs. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The command line's entry file: the compiled one, or the TypeScript source when running under tsx (tests). */
export function cliEntry(): string {
  const js = fileURLToPath(new URL('../cli/run.js', import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, '.ts');
}

/** Arguments for `spawn(process.execPath, ...)` that run `latentlab <args>` the way this process runs. */
export function cliArgs(args: string[]): string[] {
  return [...process.execArgv.filter((a) => !a.startsWith('--test')), cliEntry(), ...args];
}
