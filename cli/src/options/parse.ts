import { readFileSync } from "node:fs";
import { isAddress, type Address, type Hex } from "viem";
import { UsageError, UserError } from "../errors.ts";
import type { ParsedValues } from "../command.ts";

/** A flag's string value, or undefined when absent. */
export function stringFlag(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined || value === false) return undefined;
  if (typeof value !== "string") throw new UsageError(`--${name} takes one value`);
  return value;
}

export function requireFlag(values: ParsedValues, name: string, what: string): string {
  const value = stringFlag(values, name);
  if (value === undefined) throw new UsageError(`--${name} is required (${what})`);
  return value;
}

/** A non-negative integer amount in token base units. */
export function parseAmount(text: string, flag: string): bigint {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number of token base units, got ${JSON.stringify(text)}`);
  return BigInt(text);
}

export function parseIntFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer between ${min} and ${max}, got ${JSON.stringify(text)}`);
  return n;
}

export function parseAddress(text: string, flag: string): Address {
  if (!isAddress(text, { strict: false })) throw new UsageError(`--${flag} must be a 0x-prefixed 20-byte address, got ${JSON.stringify(text)}`);
  return text as Address;
}

/**
 * An operator or wallet private key: from a file (`--<flag>-file`) or an environment variable, never from
 * the command line (it would land in shell history and `ps`).
 */
export function readPrivateKey(values: ParsedValues, fileFlag: string, envName: string, env: Record<string, string | undefined> = process.env): Hex {
  const file = stringFlag(values, fileFlag);
  let text: string | undefined;
  if (file) {
    try {
      text = readFileSync(file, "utf8").trim();
    } catch (error) {
      throw new UserError(`cannot read --${fileFlag} ${file}: ${(error as Error).message}`);
    }
  } else {
    text = env[envName]?.trim();
  }
  if (!text) throw new UsageError(`a private key is needed: pass --${fileFlag} <file> or set $${envName}`);
  const hex = text.startsWith("0x") ? text : `0x${text}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new UserError(`the key in ${file ?? `$${envName}`} is not a 32-byte hex private key`);
  return hex as Hex;
}
