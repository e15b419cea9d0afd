import type { ParseArgsOptionsConfig } from "node:util";

/** Parsed flags of a command, as `node:util` parseArgs returns them. */
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Where a command writes its output; injected so tests can capture it. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

/** One `sotto` sub-command: `sotto <path...> [flags] [positionals]`. */
export interface Command {
  /** Words after `sotto`, e.g. ["onion", "build"]. */
  path: readonly string[];
  summary: string;
  /** Usage line after the command path, e.g. "[--file route.json]". */
  usage: string;
  /** Flags, in node:util parseArgs form; every flag also needs a description. */
  options: ParseArgsOptionsConfig;
  descriptions: Record<string, string>;
  examples?: readonly string[];
  /** Allow positional arguments (off by default: a stray word is a usage error). */
  positionals?: boolean;
  run: (args: { values: ParsedValues; positionals: string[]; io: CommandIo }) => Promise<number | void>;
}
