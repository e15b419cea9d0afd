#!/usr/bin/env node
import { parseArgs } from "node:util";
import type { Command, CommandIo } from "./command.ts";
import { commands } from "./cmds/index.ts";
import { UsageError, UserError } from "./errors.ts";

const helpOption = { help: { type: "boolean", short: "h" } } as const;

function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, i) => argv[i] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

export function formatHelp(command: Command): string {
  const lines = [`Usage: sotto ${command.path.join(" ")} ${command.usage}`.trimEnd(), "", command.summary, ""];
  const flags = Object.entries(command.options);
  if (flags.length > 0) {
    lines.push("Options:");
    for (const [name, spec] of flags) {
      const short = spec.short ? `-${spec.short}, ` : "    ";
      const arg = spec.type === "string" ? " <value>" : "";
      const left = `  ${short}--${name}${arg}`;
      const description = command.descriptions[name] ?? "";
      lines.push(left.length >= 32 ? `${left}\n${" ".repeat(34)}${description}` : left.padEnd(34) + description);
    }
    lines.push(`  -h, --help`.padEnd(34) + "Show this help");
    lines.push("");
  }
  if (command.examples?.length) {
    lines.push("Examples:", ...command.examples.map((e) => `  ${e}`), "");
  }
  return lines.join("\n");
}

export function formatOverview(): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length), 10) + 4;
  return [
    "Usage: sotto <command> [options]",
    "",
    "Paid, onion-routed messaging for Ethereum.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.path.join(" ").padEnd(width)}${c.summary}`),
    "",
    "Run `sotto <command> --help` for a command's options.",
    "",
  ].join("\n");
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

/** Runs one CLI invocation and returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.stdout(formatOverview());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr(`sotto: unknown command '${argv.join(" ")}'\n\n${formatOverview()}`);
    return 2;
  }
  const { command, rest } = found;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, ...helpOption },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    if (values.help) {
      io.stdout(formatHelp(command));
      return 0;
    }
    const code = await command.run({ values, positionals, io });
    return code ?? 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for bad flags.
    const isParseError = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ?? false;
    if (error instanceof UsageError || isParseError) {
      io.stderr(`sotto ${command.path.join(" ")}: ${message}\n\n${formatHelp(command)}`);
      return 2;
    }
    if (error instanceof UserError) {
      io.stderr(`sotto ${command.path.join(" ")}: ${message}\n`);
      return 1;
    }
    // viem errors carry a one-line summary (e.g. the decoded custom error of a reverted call).
    const viemError = error as { shortMessage?: string; metaMessages?: string[] };
    if (typeof viemError.shortMessage === "string") {
      const details = viemError.metaMessages?.map((m) => `  ${m.trim()}`).join("\n");
      io.stderr(`sotto ${command.path.join(" ")}: ${viemError.shortMessage}\n${details ? `${details}\n` : ""}`);
      return 1;
    }
    io.stderr(`sotto ${command.path.join(" ")}: unexpected error: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2));
}
