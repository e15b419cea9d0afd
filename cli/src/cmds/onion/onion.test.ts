import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPacket, createRecipientPath, portableBackend, toHex, type ForwardInstruction, processPacket } from "#protocol";
import { findExternalBoltVector, readJson, repoRoot } from "../../../../test/protocol/helpers.ts";
import type { CommandIo } from "../../command.ts";
import { runCli } from "../../main.ts";

async function run(argv: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CommandIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => stdin };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const onionTest = readJson("test/vectors/bolt04/onion-test.json");
const vectorPath = join(repoRoot, "test/vectors/bolt04/onion-test.json");

describe("sotto onion build / peel", () => {
  it("reproduces onion-test.json: build from the file and from stdin", async () => {
    const fromFile = await run(["onion", "build", "--file", vectorPath]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.out.trim()).toBe(onionTest.onion);
    const fromStdin = await run(["onion", "build", "--json"], JSON.stringify(onionTest.generate));
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.out).onion).toBe(onionTest.onion);
  });

  it("peels onion-test.json hop by hop", async () => {
    let onion = onionTest.onion;
    for (let i = 0; i < onionTest.decode.length; i++) {
      const r = await run(["onion", "peel", "--key", onionTest.decode[i], "--ad", onionTest.generate.associated_data, "--onion", onion]);
      expect(r.code, r.err).toBe(0);
      const out = JSON.parse(r.out);
      expect(out.payload).toBe(onionTest.generate.hops[i].payload.slice(onionTest.generate.hops[i].payload.startsWith("fd") ? 6 : 2));
      expect(out.final).toBe(i === onionTest.decode.length - 1);
      expect(out.tlvs.length).toBeGreaterThan(0);
      if (!out.final) onion = out.next_onion;
    }
  });

  it("peels a blinded Sotto hop with --path-key, showing the recipient data and next path key", async () => {
    const b = portableBackend;
    const key = (x: number) => new Uint8Array(32).fill(x);
    const ids = [1, 2].map((i) => b.publicKeyFromPrivate(key(0x10 + i)));
    const path = createRecipientPath(b, { sessionKey: key(0x31), relays: [{ nodeId: ids[1]!, fee: 2n }], recipientNodeId: b.publicKeyFromPrivate(key(0x21)), pathId: key(5) });
    const built = buildPacket(b, { sessionKey: key(0x41), route: [{ nodeId: ids[0]!, fee: 1n }], recipient: path, fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data: new Uint8Array(3) } });
    const first = processPacket(b, { onion: built.onion, privateKey: key(0x11) }) as ForwardInstruction;
    const r = await run(["onion", "peel", "--key", toHex(key(0x12)), "--path-key", toHex(first.nextPathKey!)], toHex(first.nextOnion));
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.final).toBe(false);
    expect(out.next_node_id).toBe(toHex(b.publicKeyFromPrivate(key(0x21))));
    expect(out.next_path_key).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(out.recipient_data.decoded.nextNodeId).toBe(out.next_node_id);
    expect(out.sotto.payload.amountIn).toBe("2");
    expect(out.sotto.ack_secret).toBe(toHex(built.hops[1]!.ackSecret));
  });

  const message = findExternalBoltVector("blinded-onion-message-onion-test.json");
  it.skipIf(!message)("builds and peels blinded-onion-message-onion-test.json as onion messages", async () => {
    const v = JSON.parse(readFileSync(message!, "utf8"));
    const spec = { session_key: v.generate.session_key, blinded_path: v.route, final_tlvs: `0105${v.onionmessage.unknown_tag_1}` };
    const built = await run(["onion", "build", "--json"], JSON.stringify(spec));
    expect(built.code, built.err).toBe(0);
    const out = JSON.parse(built.out);
    expect(out.onion).toBe(v.onionmessage.onion_message_packet);
    expect(out.onion_message).toBe(v.decrypt.hops[0].onion_message);
    let wire = out.onion_message;
    for (const hop of v.decrypt.hops) {
      expect(wire).toBe(hop.onion_message);
      const r = await run(["onion", "peel", "--message", "--key", hop.privkey, "--onion", wire]);
      expect(r.code, r.err).toBe(0);
      const peeled = JSON.parse(r.out);
      if (peeled.final) expect(peeled.tlvs[0]).toEqual({ type: "1", value: v.onionmessage.unknown_tag_1 });
      else wire = peeled.next_onion_message;
    }
  });

  it.each([
    [["onion", "peel", "--onion", "00"], 2, /--key or --key-file is required/],
    [["onion", "peel", "--key", "41"], 1, /key: Invalid length/],
    [["onion", "peel", "--key", "41".repeat(32), "--onion", "zz"], 1, /onion: Invalid onion/],
    [["onion", "peel", "--key", "41".repeat(32), "--onion", "0002"], 1, /cannot peel: Invalid length for onion packet/],
    [["onion", "peel", "--key", "42".repeat(32), "--ad", "42".repeat(32), "--onion", onionTest.onion], 1, /Onion HMAC mismatch/],
    [["onion", "peel", "--key", "41".repeat(32), "--message", "--onion", onionTest.onion], 1, /not an onion_message/],
    [["onion", "build", "--file", "/nonexistent/route.json"], 1, /cannot read route description/],
    [["onion", "build", "--bogus"], 2, /Unknown option/],
  ])("rejects bad input #%#", async (argv, code, pattern) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(pattern);
  });

  it.each([
    ["", /no route description given/],
    ["[1]", /must be a JSON object/],
    ["{", /not valid JSON/],
    [JSON.stringify({ session_key: "41".repeat(32) }), /no hops/],
    [JSON.stringify({ session_key: "00".repeat(32), hops: [{ pubkey: onionTest.generate.hops[0].pubkey, tlvs: "0100" }] }), /Invalid session key/],
    [JSON.stringify({ session_key: "41".repeat(32), hops: [{ pubkey: "02" + "00".repeat(32), tlvs: "0100" }] }), /cannot build/],
    [JSON.stringify({ session_key: "41".repeat(32), hops: [{ pubkey: onionTest.generate.hops[0].pubkey, payload: "05aa" }] }), /BigSize prefix says 5 bytes/],
    [JSON.stringify({ session_key: "41".repeat(32), hops: [{ pubkey: onionTest.generate.hops[0].pubkey, tlvs: "00".repeat(1300) }] }), /need 1335 bytes/],
  ])("rejects bad route description #%#", async (stdin, pattern) => {
    const r = await run(["onion", "build"], stdin);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(pattern);
  });

  it("works as a process: bin/sotto pipes build into peel and exits non-zero on bad input", () => {
    const bin = join(repoRoot, "bin", "sotto");
    const onion = execFileSync(bin, ["onion", "build", "--file", vectorPath], { encoding: "utf8" }).trim();
    expect(onion).toBe(onionTest.onion);
    const peeled = JSON.parse(execFileSync(bin, ["onion", "peel", "--key", onionTest.decode[0], "--ad", onionTest.generate.associated_data], { input: onion, encoding: "utf8" }));
    expect(peeled.final).toBe(false);
    const bad = spawnSync(bin, ["onion", "peel", "--key", "41".repeat(32), "--onion", "00"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/sotto onion peel:/);
  });
});
