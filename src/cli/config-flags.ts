/**
 * Run settings as command-line flags, from the one declaration of each: the common settings
 * (train/config.ts) and every model's own options (src/models/<name>/index.ts). Every flag is
 * parsed and checked by its schema; `--help` lists the common settings and the chosen model's
 * options (`train --model dcgan --help`); a flag of another model is refused by resolveConfig.
 */
import { Command, Option } from 'commander';
import { findModel, getModel, models } from '../models/registry.js';
import {
  anySchema,
  COMMON,
  DEFAULT_MODEL,
  modelOptionOwners,
  readConfigFile,
  resolveConfig,
  runSchema,
  type RunConfig,
} from '../train/config.js';
import { argName, flagName, helpLine, parseOption, type TSchema } from '../util/options.js';

/** Every setting's key: the common ones, then each model option once. */
export function configKeys(): string[] {
  return [...Object.keys(COMMON), ...modelOptionOwners().keys()];
}

/** The flag of one setting, hidden from commander's own help (configHelp() lists the relevant ones). */
export function configOption(key: string): Option {
  const schema = anySchema(key)!;
  return new Option(`${flagName(key)} <${argName(schema)}>`, helpLine(schema))
    .argParser((raw) => parseOption({ [key]: schema }, key, raw))
    .hideHelp();
}

/** Adds the settings' flags to a command (all of them, or those named). */
export function addConfigOptions(cmd: Command, keys: string[] = configKeys()): Command {
  for (const k of keys) cmd.addOption(configOption(k));
  return cmd;
}

/** Help lines; a default the model sets (`overridden`) replaces the generic one the help text states. */
function lines(schema: Record<string, TSchema>, keys: string[], overridden: string[] = []): string {
  const flags = keys.map((k) => `${flagName(k)} <${argName(schema[k]!)}>`);
  const width = Math.max(...flags.map((f) => f.length)) + 2;
  const help = (k: string): string => {
    const s = schema[k]!;
    if (!overridden.includes(k)) return helpLine(s);
    const text = String(s.description).replace(/ \(default:.*\)$/, '');
    return helpLine({ ...s, description: text });
  };
  return keys.map((k, i) => `  ${flags[i]!.padEnd(width)}${help(k)}`).join('\n');
}

/** The settings of a run of `model` in words: common settings, the model's own options, the models. */
export function configHelp(model: string = DEFAULT_MODEL, keys?: string[]): string {
  const d = getModel(model);
  const schema = runSchema(d) as Record<string, TSchema>;
  const common = Object.keys(COMMON).filter((k) => !keys || keys.includes(k));
  const own = Object.keys(d.options).filter((k) => !keys || keys.includes(k));
  const list = models()
    .map((m) => `  ${m.name.padEnd(10)} ${m.description}`)
    .join('\n');
  return [
    `\nCommon settings (defaults for ${model}):\n${lines(schema, common, Object.keys(d.commonDefaults ?? {}))}`,
    own.length
      ? `\n${model}'s options (latentlab train --model NAME --help shows another model's):\n${lines(schema, own)}`
      : '',
    `\nModels:\n${list}`,
  ].join('\n');
}

/** Adds the settings' help for the model chosen on the command line (or the default). */
export function addConfigHelp(cmd: Command, keys?: string[]): Command {
  return cmd.addHelpText('after', () => {
    const chosen = cmd.getOptionValue('model') as string | undefined;
    const known = chosen && findModel(chosen);
    return configHelp(known ? chosen : DEFAULT_MODEL, keys);
  });
}

/** The settings given as flags (commander leaves the others undefined). */
export function pickConfigFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const keys = new Set(configKeys());
  return Object.fromEntries(Object.entries(flags).filter(([k, v]) => keys.has(k) && v !== undefined));
}

/** A new run's configuration: --config's file, then the flags over it. */
export function configFromFlags(flags: Record<string, unknown> & { config?: string }): RunConfig {
  return resolveConfig(flags.config ? readConfigFile(flags.config) : {}, pickConfigFlags(flags));
}
