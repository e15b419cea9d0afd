/**
 * The user CLI: `--help` everywhere, exit code 2 on bad arguments, 1 with a hint on errors the user can fix,
 * and a full run against three relay processes with the real `bin/sotto`: init two clients, open a channel,
 * serve one of them, `sotto send` with its receipt, fetch with `sotto inbox`, settle and check the chain.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getChannel } from "#contracts";
import type { CommandIo } from "../../cli/src/command.ts";
import { commands } from "../../cli/src/cmds/index.ts";
import { startLocalNetwork, type LocalNetwork } from "../../cli/src/devnet/localNetwork.ts";
import { runCli } from "../../cli/src/main.ts";
import { tempDirs } from "../support/tempDirs.ts";

const tempDir = tempDirs("cli");

const repoRoot = join(import.meta.dirname, "../..");
const bin = join(repoRoot, "bin/sotto");
const userCommands = commands.filter((c) => ["client", "relays", "channel", "send", "inbox", "address"].includes(c.path[0]!));

async function cli(argv: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CommandIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => stdin };
  return { code: await runCli(argv, io), out, err };
}

/** The real binary, as a user runs it. */
function sotto(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: repoRoot, env: { ...process.env, SOTTO_CLIENT_DIR: "" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
    child.once("close", (code) => resolve({ code, out, err }));
  });
}

describe("sotto user commands: help and arguments", () => {
  it("has --help on every command (exit 0, usage and every option)", async () => {
    expect(userCommands.map((c) => c.path.join(" ")).sort()).toEqual(["address", "channel close", "channel fund", "channel open", "channel show", "client init", "client serve", "inbox", "relays", "send"]);
    for (const command of userCommands) {
      const r = await cli([...command.path, "--help"]);
      expect(r.code, command.path.join(" ")).toBe(0);
      expect(r.out).toContain(`Usage: sotto ${command.path.join(" ")}`);
      for (const option of Object.keys(command.options)) expect(r.out, `${command.path.join(" ")} --${option}`).toContain(`--${option}`);
    }
  });

  it("exits 2 with the reason and the usage on bad arguments", async () => {
    const cases: [string[], RegExp][] = [
      [["send", "hello"], /--to is required/],
      [["send", "--to", "sotto1abc"], /no message/],
      [["send", "--to", "0x1234", "hi"], /--to must be a sotto1… address/],
      [["send", "--to", "sotto1abc", "--file", "x", "hi"], /either as arguments or with --file/],
      [["send", "--to", "sotto1abc", "--timeout", "0", "hi"], /--timeout must be an integer between 1 and 3600/],
      [["channel", "open", "--relay", "0x12", "--amount", "5"], /--relay must be a 0x-prefixed 20-byte address/],
      [["channel", "open", "--relay", `0x${"ab".repeat(20)}`, "--amount", "ten"], /--amount must be a whole number/],
      [["channel", "fund", "--amount", "5"], /--relay is required/],
      [["channel", "close"], /--relay is required/],
      [["client", "init", "--dir", "/tmp/x", "--registry", `0x${"ab".repeat(20)}`, "--channels", `0x${"ab".repeat(20)}`], /--chain-id is required/],
      [["client", "serve", "--port", "99999"], /--port must be an integer between 0 and 65535/],
      [["address", "--expires-in", "0"], /--expires-in must be an integer between 1 and 365/],
      [["relays", "--bogus"], /Unknown option '--bogus'/],
      [["inbox", "stray"], /Unexpected argument 'stray'/],
    ];
    for (const [argv, reason] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err, argv.join(" ")).toMatch(reason);
      expect(r.err).toContain(`Usage: sotto ${argv[0]}`);
    }
  });

  it("exits 1 with what to do when there is no client directory", async () => {
    const dir = join(tempDir(), "missing");
    for (const argv of [["inbox"], ["relays"], ["channel", "show"], ["address"], ["send", "--to", "sotto1abc", "hi"]]) {
      const r = await cli([...argv, "--dir", dir]);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.err).toContain(`no client in ${dir}`);
      expect(r.err).toContain("sotto client init");
    }
  });
});

describe("sotto user commands against a local network (bin/sotto, relay processes, embedded chain)", () => {
  let net: LocalNetwork;
  let base: string;
  const dirs = { a: "", b: "" };
  const wallets = { a: "", b: "" };
  let serve: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    net = await startLocalNetwork({ relays: 3, processes: true, logLevel: process.env.E2E_LOG ?? "warn", relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" }, tickets: { voucherIdleMs: 200 } } });
    base = tempDir();
    for (const who of ["a", "b"] as const) {
      dirs[who] = join(base, who);
      const r = await cli(["client", "init", "--dir", dirs[who], "--rpc-url", net.devnet.url, "--chain-id", String(net.devnet.chainId), "--registry", net.devnet.contracts.registry, "--channels", net.devnet.contracts.channels, "--api-port", "0"]);
      expect(r.code, r.err).toBe(0);
      wallets[who] = JSON.parse(r.out).wallet;
      await net.devnet.fund(wallets[who] as `0x${string}`, { eth: 10n ** 20n, tokens: 10_000n });
    }
  }, 180_000);
  afterAll(async () => {
    serve?.kill("SIGKILL");
    await net?.stop();
  });

  it("client init writes 0600 keys and refuses to overwrite them", async () => {
    expect(statSync(join(dirs.a, "keys.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dirs.a, "client.json")).mode & 0o777).toBe(0o600);
    const again = await cli(["client", "init", "--dir", dirs.a, "--chain-id", "1", "--registry", net.devnet.contracts.registry, "--channels", net.devnet.contracts.channels]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds a client.*refusing to overwrite/);
  });

  it("lists relays, opens channels, sends with a receipt to a served client, fetches with inbox, settles", async () => {
    const relays = await sotto(["relays", "--dir", dirs.a]);
    expect(relays.code, relays.err).toBe(0);
    for (const r of net.relays) expect(relays.out).toContain(r.node);
    expect(relays.err).toContain("reading the relay directory");

    const [r1, r2] = net.relays;
    const open = await sotto(["channel", "open", "--dir", dirs.a, "--relay", r1!.node, "--amount", "500"]);
    expect(open.code, open.err).toBe(0);
    expect(JSON.parse(open.out)).toMatchObject({ relay: r1!.node, status: "open", balance: "500", spendable: "500" });
    expect(open.err).toMatch(/waiting for the chain/);
    const twice = await sotto(["channel", "open", "--dir", dirs.a, "--relay", r1!.node, "--amount", "5"]);
    expect(twice.code).toBe(1);
    expect(twice.err).toMatch(/already open.*sotto channel fund/);
    expect((await sotto(["channel", "open", "--dir", dirs.b, "--relay", r2!.node, "--amount", "300", "--permit"])).code).toBe(0);

    // B runs the local API (it listens at its home relay); A sends to B's address and waits for the receipt.
    // With --stop-on-stdin-close, a test run killed before afterAll does not leave the API running.
    serve = spawn(bin, ["client", "serve", "--dir", dirs.b, "--port", "0", "--stop-on-stdin-close"], { cwd: repoRoot });
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      const lines = createInterface({ input: serve!.stdout! });
      lines.on("line", (line) => line.includes('"ready":true') && resolve(JSON.parse(line)));
      serve!.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const token = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(join(dirs.b, "client.json"), "utf8"))).api.token;
    const addressB = ((await (await fetch(`${ready.url}/v1/address`, { headers: { authorization: `Bearer ${token}` } })).json()) as { address: string }).address;
    const busy = await sotto(["inbox", "--dir", dirs.b]);
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/in use by process \d+ .*sotto client serve/);

    const sent = await sotto(["send", "--dir", dirs.a, "--to", addressB, "hello", "from", "the", "CLI"]);
    expect(sent.code, sent.err).toBe(0);
    const result = JSON.parse(sent.out);
    expect(result).toMatchObject({ delivered: true, fragments: 1, replyPath: true });
    expect(result.receipts[0].recipientAck).toMatch(/^0x[0-9a-f]{64}$/);
    expect(sent.err).toMatch(/route: .* packet\(s\) of fee/);
    expect(sent.err).toMatch(/fragment 1 delivered \(receipt checked\)/);
    const inboxB = (await (await fetch(`${ready.url}/v1/inbox`, { headers: { authorization: `Bearer ${token}` } })).json()) as { messages: { message: string; from: string }[] };
    expect(inboxB.messages.map((m) => m.message)).toEqual(["hello from the CLI"]);
    expect(inboxB.messages[0]!.from).toMatch(/^sotto1/);

    serve.kill("SIGTERM");
    expect(await new Promise((resolve) => serve!.once("exit", resolve))).toBe(0);
    serve = undefined;
    expect(existsSync(join(dirs.b, "lock"))).toBe(false);

    // B is offline now: A's message waits at B's home relay until `sotto inbox`.
    const queued = await sotto(["send", "--dir", dirs.a, "--to", addressB, "--no-wait", "--no-reply-path", "-"], "while you were away");
    expect(queued.code, queued.err).toBe(0);
    expect(JSON.parse(queued.out)).toMatchObject({ delivered: false, receipts: [] });
    const inbox = await sotto(["inbox", "--dir", dirs.b, "--json"]);
    expect(inbox.code, inbox.err).toBe(0);
    expect(JSON.parse(inbox.out).map((m: { message: string }) => m.message)).toEqual(["while you were away"]);

    // A supervisor's pipe on stdin: when it closes (the supervisor stopped or was killed), the API stops gracefully.
    serve = spawn(bin, ["client", "serve", "--dir", dirs.b, "--port", "0", "--no-listen", "--stop-on-stdin-close"], { cwd: repoRoot });
    let serveErr = "";
    serve.stderr!.on("data", (d) => (serveErr += d));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: serve!.stdout! }).on("line", (line) => line.includes('"ready":true') && resolve());
      serve!.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${serveErr}`)));
    });
    const stopped = new Promise((resolve) => serve!.once("exit", resolve));
    serve.stdin!.end();
    expect(await stopped).toBe(0);
    serve = undefined;
    expect(serveErr).toContain("stdin closed: shutting down gracefully");
    expect(existsSync(join(dirs.b, "lock"))).toBe(false);

    // Settle every relay; A's channel on chain holds exactly what A's ledger confirmed.
    await new Promise((r) => setTimeout(r, 1_500)); // reveals and vouchers
    const shown = await sotto(["channel", "show", "--dir", dirs.a, "--relay", r1!.node]);
    expect(shown.code, shown.err).toBe(0);
    const confirmed = BigInt(JSON.parse(shown.out).channels[0].confirmed);
    expect(confirmed).toBe(BigInt(result.fee) * 2n);
    for (const relay of net.relays) await relay.admin("/v1/settle", { body: {} });
    const onChain = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: wallets.a as `0x${string}`, payee: r1!.node });
    expect(onChain.settled).toBe(confirmed);
    expect(onChain.balance).toBe(500n - confirmed);
  }, 120_000);
});
