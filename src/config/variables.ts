import nodePath from 'node:path';
import { Type, type Static, type TObject, type TSchema } from 'typebox';
import { parseDuration } from '../shared/duration.ts';

/**
 * Environment variables declared once, as TypeBox schemas carrying how to read them.
 *
 * Each helper below returns the schema of one setting (so `Static<>` gives its type) with the
 * variable's name, default, bounds and doc attached under `x-env`; `readSettings` walks a schema
 * of sections and reads every variable it declares, and the tests check `.env.example` and the
 * README against `variablesOf`.
 */

/** How a variable's text is read (for docs and the `.env.example` check; the reading itself is `read`). */
export type VariableKind = 'string' | 'int' | 'duration' | 'url' | 'list' | 'oneOf' | 'path' | 'bool';

/** One environment variable as documented: `.env.example` must list `key`, set to `default` when it has one. */
export interface EnvVariable {
  key: string;
  kind: VariableKind;
  /** Text used when the variable is unset or blank, as an operator would write it; absent: the setting is null (lists: empty). */
  default?: string;
  doc: string;
}

/** An environment map, `process.env`'s shape. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads a variable's trimmed text (null when unset or blank) into its value, reporting problems as
 * text without the key. A value that cannot be read as its type reads as its default, so that
 * every other problem is still found in the same run.
 */
type Reader = (text: string | null, report: (problem: string) => void) => unknown;

interface Declared extends EnvVariable {
  read: Reader;
}

const ENV = 'x-env';

/** A check on a value already read; returns the problem (without the key) or null. */
export type ValueCheck = (value: string) => string | null;

/** What every declaration names: the variable and a one-line doc (the schema's `description`). */
interface Common {
  key: string;
  doc: string;
}

/** Attaches the variable and its reader to the setting's schema, where `readSettings` and `variablesOf` find them. */
function declare<S extends TSchema>(schema: S, variable: EnvVariable, read: Reader): S {
  const declared: Declared = { ...variable, read };
  return Object.assign(schema, { [ENV]: declared, description: variable.doc });
}

function checked(value: string, check: ValueCheck | undefined, report: (problem: string) => void): string {
  const problem = check?.(value) ?? null;
  if (problem !== null) report(problem);
  return value;
}

/** Free text, `default` when unset. */
export function string(spec: Common & { default: string; check?: ValueCheck }) {
  return declare(Type.String(), { key: spec.key, doc: spec.doc, default: spec.default, kind: 'string' }, (text, report) => checked(text ?? spec.default, spec.check, report));
}

/** Free text, null when unset (secrets, optional claims). */
export function optionalString(spec: Common & { check?: ValueCheck }) {
  return declare(Type.Union([Type.String(), Type.Null()]), { key: spec.key, doc: spec.doc, kind: 'string' }, (text, report) =>
    text === null ? null : checked(text, spec.check, report),
  );
}

/** One of a few words (`LOG_LEVEL`). */
export function oneOf(spec: Common & { default: string; values: readonly string[] }) {
  return declare(Type.String({ enum: [...spec.values] }), { key: spec.key, doc: spec.doc, default: spec.default, kind: 'oneOf' }, (text, report) => {
    const value = text ?? spec.default;
    if (!spec.values.includes(value)) report(`"${value}" must be one of ${spec.values.join(', ')}`);
    return value;
  });
}

/** `true` or `false` (also `1`/`0`, `yes`/`no`). */
export function bool(spec: Common & { default: boolean }) {
  const variable: EnvVariable = { key: spec.key, doc: spec.doc, default: String(spec.default), kind: 'bool' };
  return declare(Type.Boolean(), variable, (text, report) => {
    if (text === null) return spec.default;
    const value = { true: true, '1': true, yes: true, false: false, '0': false, no: false }[text.toLowerCase()];
    if (value !== undefined) return value;
    report(`"${text}" must be true or false`);
    return spec.default;
  });
}

/** One of a few words, or null when unset (an optional mode such as `KAFKA_SASL_MECHANISM`). */
export function optionalOneOf(spec: Common & { values: readonly string[] }) {
  return declare(Type.Union([Type.String({ enum: [...spec.values] }), Type.Null()]), { key: spec.key, doc: spec.doc, kind: 'oneOf' }, (text, report) => {
    if (text === null) return null;
    if (!spec.values.includes(text)) report(`"${text}" must be one of ${spec.values.join(', ')}`);
    return text;
  });
}

/** A directory, resolved against the working directory at start-up. */
export function path(spec: Common & { default: string }) {
  return declare(Type.String(), { key: spec.key, doc: spec.doc, default: spec.default, kind: 'path' }, (text) => nodePath.resolve(text ?? spec.default));
}

/** An integer within `min..max` (inclusive). */
export function int(spec: Common & { default: number; min: number; max: number }) {
  const variable: EnvVariable = { key: spec.key, doc: spec.doc, default: String(spec.default), kind: 'int' };
  return declare(Type.Integer({ minimum: spec.min, maximum: spec.max }), variable, (text, report) => {
    if (text === null) return spec.default;
    const n = Number(text);
    if (Number.isInteger(n) && n >= spec.min && n <= spec.max) return n;
    report(`"${text}" must be an integer between ${spec.min} and ${spec.max}`);
    return spec.default;
  });
}

/** An integer within `min..max` (inclusive), or null when unset (an optional port such as `METRICS_PORT`). */
export function optionalInt(spec: Common & { min: number; max: number }) {
  return declare(Type.Union([Type.Integer({ minimum: spec.min, maximum: spec.max }), Type.Null()]), { key: spec.key, doc: spec.doc, kind: 'int' }, (text, report) => {
    if (text === null) return null;
    const n = Number(text);
    if (Number.isInteger(n) && n >= spec.min && n <= spec.max) return n;
    report(`"${text}" must be an integer between ${spec.min} and ${spec.max}`);
    return null;
  });
}

/** A duration written like `500ms`, `90s`, `5m`, `2h`, `30d` (DESIGN 4.5), read as ms; `min`/`max` are written the same way. */
export function duration(spec: Common & { default: string; min?: string; max?: string }) {
  const ms = (text: string): number => {
    const value = parseDuration(text);
    if (value === null) throw new Error(`${spec.key}: "${text}" in the declaration is not a duration`);
    return value;
  };
  const fallback = ms(spec.default);
  const min = spec.min === undefined ? 0 : ms(spec.min);
  const max = spec.max === undefined ? Number.MAX_SAFE_INTEGER : ms(spec.max);
  // Without `min` nothing is below 0 (parseDuration refuses negatives), so "at least" is only ever said with one.
  const bounds = spec.max === undefined ? `at least ${spec.min}` : `between ${spec.min ?? '0ms'} and ${spec.max}`;
  const variable: EnvVariable = { key: spec.key, doc: spec.doc, default: spec.default, kind: 'duration' };
  return declare(Type.Integer({ minimum: min, maximum: max }), variable, (text, report) => {
    if (text === null) return fallback;
    const value = parseDuration(text);
    if (value === null) {
      report(`"${text}" is not a duration (write e.g. 90s, 5m, 30d)`);
      return fallback;
    }
    if (value < min || value > max) report(`must be ${bounds}`);
    return value;
  });
}

/** An absolute URL with one of `protocols` (e.g. `['https:']`), null when unset. */
export function url(spec: Common & { protocols: readonly string[] }) {
  return declare(Type.Union([Type.String(), Type.Null()]), { key: spec.key, doc: spec.doc, kind: 'url' }, (text, report) => {
    if (text === null) return null;
    try {
      if (!spec.protocols.includes(new URL(text).protocol)) report(`protocol must be one of ${spec.protocols.join(', ')}`);
    } catch {
      report('not a valid URL');
    }
    return text;
  });
}

/** Comma-separated items, each trimmed and checked; empty when unset. */
export function list(spec: Common & { check: ValueCheck }) {
  return declare(Type.Array(Type.String()), { key: spec.key, doc: spec.doc, kind: 'list' }, (text, report) => {
    const items = (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);
    for (const item of items) checked(item, spec.check, report);
    return items;
  });
}

/** Visits every declared variable of `schema` (nested `Type.Object`s are sections), rebuilding its shape from the visits. */
function walk(schema: TObject, visit: (variable: Declared) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const declared = (property as { [ENV]?: Declared })[ENV];
    if (declared) out[name] = visit(declared);
    else if ('properties' in property) out[name] = walk(property as TObject, visit);
    else throw new Error(`configuration setting "${name}" declares no environment variable`);
  }
  return out;
}

/**
 * Reads every variable `schema` declares from `env`, appending each problem to `problems` as
 * `KEY: what is wrong`, in declaration order.
 * @returns the settings in the schema's shape (values of bad variables are their defaults).
 */
export function readSettings<S extends TObject>(schema: S, env: Env, problems: string[]): Static<S> {
  const settings = walk(schema, (variable) => {
    const raw = env[variable.key];
    const text = raw === undefined || raw.trim() === '' ? null : raw.trim();
    return variable.read(text, (problem) => problems.push(`${variable.key}: ${problem}`));
  });
  // The readers return the type their own schema declares (test/unit/config.test.ts checks it with Value.Check).
  return settings as Static<S>;
}

/** Every variable `schema` declares, in declaration order. */
export function variablesOf(schema: TObject): EnvVariable[] {
  const variables: EnvVariable[] = [];
  walk(schema, ({ read: _read, ...variable }) => variables.push(variable));
  return variables;
}
