/**
 * A tiny declarative schema for config files: every field says its type, default, bounds and the
 * environment variable that overrides it, so errors can name the exact key and what to do.
 */

export class ConfigError extends Error {
  override name = "ConfigError" as const;
  readonly issues: readonly string[];
  readonly source: string;
  constructor(issues: readonly string[], source: string) {
    super(`invalid config in ${source}:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.issues = issues;
    this.source = source;
  }
}

export interface FieldBase<T> {
  kind: string;
  description: string;
  /** When absent, the field is required. */
  default?: T;
  /** Environment variable that overrides the file value (always a string). */
  env?: string;
}

export interface StringField extends FieldBase<string> {
  kind: "string";
  pattern?: RegExp;
  hint?: string;
}
export interface IntField extends FieldBase<number> {
  kind: "int";
  min?: number;
  max?: number;
}
export interface NumberField extends FieldBase<number> {
  kind: "number";
  min?: number;
  max?: number;
}
export interface BigIntField extends FieldBase<bigint> {
  kind: "bigint";
  min?: bigint;
}
export interface BoolField extends FieldBase<boolean> {
  kind: "bool";
}
export interface StringListField extends FieldBase<string[]> {
  kind: "strings";
  pattern?: RegExp;
  hint?: string;
  minItems?: number;
}
export interface EnumField<T extends string> extends FieldBase<T> {
  kind: "enum";
  values: readonly T[];
}

export type Field =
  | StringField
  | IntField
  | NumberField
  | BigIntField
  | BoolField
  | StringListField
  | EnumField<string>;

export type Schema = { readonly [key: string]: Field | Schema };

type FieldValue<F> = F extends { kind: "enum"; values: readonly (infer T)[] }
  ? T
  : F extends { kind: "string" }
    ? string
    : F extends { kind: "int" | "number" }
      ? number
      : F extends { kind: "bigint" }
        ? bigint
        : F extends { kind: "bool" }
          ? boolean
          : F extends { kind: "strings" }
            ? string[]
            : never;

/** The parsed, typed value of a schema. */
export type Infer<S extends Schema> = {
  -readonly [K in keyof S]: S[K] extends Field ? FieldValue<S[K]> : S[K] extends Schema ? Infer<S[K]> : never;
};

function isField(node: Field | Schema): node is Field {
  return typeof (node as Field).kind === "string" && typeof (node as Field).description === "string";
}

type Json = unknown;

function coerceEnv(field: Field, raw: string): Json {
  switch (field.kind) {
    case "int":
    case "number":
      return raw.trim() === "" ? raw : Number(raw);
    case "bool":
      return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
    case "strings":
      return raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return raw;
  }
}

function checkField(field: Field, value: Json, key: string, issues: string[]): unknown {
  const fail = (what: string) => {
    issues.push(`${key}: ${what} (${field.description})`);
    return undefined;
  };
  switch (field.kind) {
    case "string": {
      if (typeof value !== "string") return fail(`expected a string, got ${JSON.stringify(value)}`);
      if (field.pattern && !field.pattern.test(value)) return fail(`${JSON.stringify(value)} is not ${field.hint ?? `matching ${field.pattern}`}`);
      return value;
    }
    case "enum": {
      if (typeof value !== "string" || !field.values.includes(value)) return fail(`expected one of ${field.values.join(", ")}, got ${JSON.stringify(value)}`);
      return value;
    }
    case "int":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return fail(`expected a number, got ${JSON.stringify(value)}`);
      if (field.kind === "int" && !Number.isInteger(value)) return fail(`expected an integer, got ${value}`);
      if (field.min !== undefined && value < field.min) return fail(`must be ≥ ${field.min}, got ${value}`);
      if (field.max !== undefined && value > field.max) return fail(`must be ≤ ${field.max}, got ${value}`);
      return value;
    }
    case "bigint": {
      const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
      if (typeof text !== "string" || !/^\d+$/.test(text)) return fail(`expected a non-negative integer amount (as a decimal string), got ${JSON.stringify(value)}`);
      const amount = BigInt(text);
      if (field.min !== undefined && amount < field.min) return fail(`must be ≥ ${field.min}, got ${amount}`);
      return amount;
    }
    case "bool": {
      if (typeof value !== "boolean") return fail(`expected true or false, got ${JSON.stringify(value)}`);
      return value;
    }
    case "strings": {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) return fail(`expected a list of strings, got ${JSON.stringify(value)}`);
      if (field.minItems !== undefined && value.length < field.minItems) return fail(`needs at least ${field.minItems} entries`);
      const bad = field.pattern ? value.filter((v) => !field.pattern!.test(v as string)) : [];
      if (bad.length > 0) return fail(`${bad.map((b) => JSON.stringify(b)).join(", ")} ${bad.length > 1 ? "are" : "is"} not ${field.hint ?? `matching ${field.pattern}`}`);
      return [...(value as string[])];
    }
  }
}

function walk(schema: Schema, input: Json, env: Record<string, string | undefined>, prefix: string, issues: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const obj = input === undefined ? {} : input;
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    issues.push(`${prefix || "(root)"}: expected an object, got ${JSON.stringify(input)}`);
    return out;
  }
  const record = obj as Record<string, Json>;
  for (const key of Object.keys(record)) {
    if (!(key in schema)) issues.push(`${prefix}${key}: unknown key (known keys: ${Object.keys(schema).join(", ")})`);
  }
  for (const [key, node] of Object.entries(schema)) {
    const path = `${prefix}${key}`;
    if (!isField(node)) {
      out[key] = walk(node, record[key], env, `${path}.`, issues);
      continue;
    }
    const envValue = node.env ? env[node.env] : undefined;
    let value: Json = record[key];
    let label = path;
    if (envValue !== undefined) {
      value = coerceEnv(node, envValue);
      label = `${path} (from $${node.env})`;
    }
    if (value === undefined) {
      if (node.default === undefined) {
        issues.push(`${path}: required but missing (${node.description})${node.env ? `; set it in the file or via $${node.env}` : ""}`);
        continue;
      }
      out[key] = Array.isArray(node.default) ? [...node.default] : node.default;
      continue;
    }
    out[key] = checkField(node, value, label, issues);
  }
  return out;
}

/** Validates `input` (parsed JSON) against `schema`, applying env overrides; throws ConfigError listing every problem. */
export function parseConfig<S extends Schema>(schema: S, input: Json, options: { env?: Record<string, string | undefined>; source?: string } = {}): Infer<S> {
  const issues: string[] = [];
  const out = walk(schema, input, options.env ?? {}, "", issues);
  if (issues.length > 0) throw new ConfigError(issues, options.source ?? "config");
  return out as Infer<S>;
}

/** Turns a parsed config back into JSON-friendly values (bigints as decimal strings). */
export function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}
