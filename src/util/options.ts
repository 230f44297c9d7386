/**
 * Options declared once as JSON Schema (through TypeBox), with a default and a help line each.
 * The same declaration gives the TypeScript type (`Static`), the CLI flag and its --help line,
 * the check of a JSON config file and of config.json, and the web server's request schema
 * (Fastify validates with JSON Schema). Unknown keys and wrong types are errors naming the key,
 * as nanoGPT's configurator makes them.
 *
 * Only a small subset of JSON Schema is used, so that the checker below can say in plain words
 * what is wrong: integer and number (minimum, maximum, exclusiveMinimum), string (enum, minLength),
 * array of non-negative integers, and anyOf with null (nullable) or with a constant.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

export { Type, type Static, type TObject, type TProperties, type TSchema };

/** A bad setting (an unknown key, a value of the wrong type or out of range), named with its source. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What every option carries beside its JSON Schema: the help line and the flag's value name. */
interface Doc {
  help: string;
  /** The value's name in --help (`--latent <n>`). */
  arg?: string;
}

const meta = (d: Doc, def: unknown) => ({ default: def, description: d.help, ...(d.arg ? { arg: d.arg } : {}) });

/** Builders of option schemas. */
export const opt = {
  int: (def: number, d: Doc & { min?: number; max?: number }) =>
    Type.Integer({
      ...meta(d, def),
      ...(d.min !== undefined ? { minimum: d.min } : {}),
      ...(d.max !== undefined ? { maximum: d.max } : {}),
    }),
  num: (def: number, d: Doc & { min?: number; max?: number; above?: number }) =>
    Type.Number({
      ...meta(d, def),
      ...(d.min !== undefined ? { minimum: d.min } : {}),
      ...(d.above !== undefined ? { exclusiveMinimum: d.above } : {}),
      ...(d.max !== undefined ? { maximum: d.max } : {}),
    }),
  str: (def: string, d: Doc) => Type.String({ ...meta(d, def), minLength: 1 }),
  choice: <const V extends readonly string[]>(values: V, def: V[number], d: Doc) =>
    Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...meta(d, def) }),
  ints: (def: number[], d: Doc) =>
    Type.Array(Type.Integer({ minimum: 0 }), { ...meta(d, def), minItems: 1, arg: d.arg ?? 'list' }),
  /** The schema, or null ("none" on the command line), defaulting to null. */
  nullable: <T extends TSchema>(s: T, d: Doc) => Type.Union([s, Type.Null()], meta(d, null)),
  /** A positive number or the word `word` (e.g. sigma: 0.1 or "learned"). */
  numOr: <const W extends string>(word: W, def: number | W, d: Doc) =>
    Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Literal(word)], {
      ...meta(d, def),
      errorMessage: `must be a positive number or '${word}'`,
    }),
};

type Json = Record<string, unknown>;

/** "--batch-size" for "batchSize". */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** What is wrong with `value` under `schema`, in words ("must be at least 1"), or null when nothing is. */
export function problem(schema: TSchema, value: unknown): string | null {
  const s = schema as Json;
  if (Array.isArray(s.anyOf)) {
    const branches = s.anyOf as TSchema[];
    if (value === null) return branches.some((b) => (b as Json).type === 'null') ? null : 'cannot be null';
    const others = branches.filter((b) => (b as Json).type !== 'null');
    if (others.some((b) => problem(b, value) === null)) return null;
    return (s.errorMessage as string | undefined) ?? problem(others[0]!, value);
  }
  if ('const' in s) return value === s.const ? null : `must be '${String(s.const)}'`;
  if (value === null) return 'cannot be null';
  switch (s.type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return s.type === 'integer' ? 'must be an integer' : 'must be a number';
      if (s.type === 'integer' && !Number.isSafeInteger(value)) return 'must be an integer';
      if (typeof s.minimum === 'number' && value < s.minimum) return `must be at least ${s.minimum}`;
      if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
        return `must be above ${s.exclusiveMinimum}`;
      if (typeof s.maximum === 'number' && value > s.maximum) return `must be at most ${s.maximum}`;
      return null;
    }
    case 'string':
      if (Array.isArray(s.enum)) return s.enum.includes(value) ? null : `must be one of ${s.enum.join(', ')}`;
      return typeof value === 'string' && value !== '' ? null : 'must be a non-empty string';
    case 'array':
      return Array.isArray(value) &&
        value.length > 0 &&
        value.every((v) => Number.isSafeInteger(v) && (v as number) >= 0)
        ? null
        : 'must be a list of non-negative integers';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
  }
  return null;
}

/** Checks one value; `source` names where it came from ("option --latent", "run.json"). */
export function checkOption(schemas: TProperties, key: string, value: unknown, source: string): unknown {
  const schema = schemas[key];
  if (!schema) throw new ConfigError(`${source}: unknown key '${key}' (known: ${Object.keys(schemas).join(', ')})`);
  const p = problem(schema, value);
  if (p) throw new ConfigError(`${source}: '${key}' ${p}, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses a command-line string into the option's type, then checks it. */
export function parseOption(schemas: TProperties, key: string, raw: string): unknown {
  const s = schemas[key] as Json;
  const source = `option ${flagName(key)}`;
  const branches = (Array.isArray(s.anyOf) ? s.anyOf : [s]) as Json[];
  if (raw === 'none' && branches.some((b) => b.type === 'null')) return null;
  if (branches.some((b) => b.const === raw)) return raw;
  const kind = branches.find((b) => b.type !== 'null')!;
  if (kind.type === 'integer' || kind.type === 'number') {
    const n = Number(raw);
    const words = branches.filter((b) => typeof b.const === 'string').map((b) => ` or '${String(b.const)}'`);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new ConfigError(`${source}: expected a number${words.join('')}, got '${raw}'`);
    return checkOption(schemas, key, n, source);
  }
  if (kind.type === 'array') {
    if (!/^\d+([,x]\d+)*$/.test(raw.trim()))
      throw new ConfigError(`${source}: expected integers like 7 or 1,7, got '${raw}'`);
    return checkOption(schemas, key, raw.split(/[,x]/).map(Number), source);
  }
  if (kind.type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${source}: expected true or false, got '${raw}'`);
    return raw === 'true';
  }
  return checkOption(schemas, key, raw, source);
}

/** The defaults of a set of options. */
export function defaultsOf(schemas: TProperties): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, (s as Json).default]));
}

/** The option's help line, ending with its default where the help does not state one. */
export function helpLine(schema: TSchema, def: unknown = (schema as Json).default): string {
  const desc = (schema as Json).description;
  const help = typeof desc === 'string' ? desc : '';
  if (help.includes('(default:')) return help;
  const shown = Array.isArray(def)
    ? def.join(',')
    : def === null || def === undefined
      ? 'none'
      : typeof def === 'string' || typeof def === 'number' || typeof def === 'boolean'
        ? String(def)
        : JSON.stringify(def);
  return `${help} (default: ${shown})`;
}

/** The flag's value name: the declared one, or the choices of an enum. */
export function argName(schema: TSchema): string {
  const s = schema as Json;
  const kind = (Array.isArray(s.anyOf) ? (s.anyOf as Json[]).find((b) => b.type !== 'null') : s) ?? s;
  if (typeof s.arg === 'string') return s.arg;
  if (Array.isArray(kind.enum)) return kind.enum.join('|');
  return 'value';
}

/** Two declarations of one option name agree when their schemas are the same apart from default and help. */
export function sameOption(a: TSchema, b: TSchema): boolean {
  const strip = (s: TSchema): string =>
    JSON.stringify(s, (k, v: unknown) => (k === 'default' || k === 'description' ? undefined : v));
  return strip(a) === strip(b);
}
