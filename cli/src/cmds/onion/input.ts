import { readFileSync } from "node:fs";
import { BaseError, fromHex } from "#protocol";
import type { CommandIo, ParsedValues } from "../../command.ts";
import { UserError } from "../../errors.ts";

/** Text from `--file <path>` (or `-` for stdin), or stdin when the flag is absent. */
export async function readInput(values: ParsedValues, io: CommandIo, what: string): Promise<string> {
  const file = values.file;
  if (typeof file === "string" && file !== "-") {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      throw new UserError(`cannot read ${what} from ${file}: ${(error as Error).message}`);
    }
  }
  const text = await io.readStdin();
  if (text.trim() === "") throw new UserError(`no ${what} given: pass --file <path> or pipe it on stdin`);
  return text;
}

/** Hex (optional 0x, surrounding whitespace ignored) → bytes, or a UserError naming the field. */
export function hexField(value: unknown, field: string, length?: number): Uint8Array {
  if (typeof value !== "string") throw new UserError(`${field} must be a hex string`);
  try {
    return fromHex(value.trim(), length, field);
  } catch (error) {
    throw new UserError(error instanceof BaseError ? `${field}: ${error.shortMessage}` : `${field}: invalid hex`);
  }
}

/** Runs protocol code, turning its typed errors into UserErrors with the given context. */
export function protocolStep<T>(context: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof BaseError) throw new UserError(`${context}: ${error.shortMessage}`);
    throw error;
  }
}

export function parseJson(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UserError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}
