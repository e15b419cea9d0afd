import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { buildPacket, computeChannelId, createRecipientPath, hashTicketDomain, privateKeyToAddress, signTicket, toHex, verifyTicket, type WireTicket } from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { createPacketCrypto, type InboundRequest, type PacketCrypto, type PacketCryptoKeys } from "./packetCrypto.ts";

const native = getNativeBackend();
const key = (byte: number) => new Uint8Array(32).fill(byte);
const relayKey = key(0x11);
const payerKey = key(0x05);
const keys: PacketCryptoKeys = {
  onionPrivateKey: relayKey,
  nodePrivateKey: key(0x61),
  nodeAddress: privateKeyToAddress(native, key(0x61)),
  ticketDomain: hashTicketDomain(native, { chainId: 31337n, verifyingContract: new Uint8Array(20).fill(7) }),
};

/** A real first-hop packet for this relay and its payer's ticket. */
function inboundRequest(): InboundRequest {
  const ids = [0x11, 0x12, 0x13].map((b) => native.publicKeyFromPrivate(key(b)));
  const built = buildPacket(native, {
    sessionKey: key(0x41),
    route: [0, 1].map((i) => ({ nodeId: ids[i]!, fee: 1n })),
    recipient: createRecipientPath(native, { sessionKey: key(0x31), relays: [{ nodeId: ids[2]!, fee: 1n }], recipientNodeId: native.publicKeyFromPrivate(key(0x21)), pathId: key(9) }),
    fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data: new Uint8Array(10) },
  });
  const payer = privateKeyToAddress(native, payerKey);
  const ticket = signTicket(native, { domain: keys.ticketDomain, privateKey: payerKey, payee: keys.nodeAddress, epoch: 1n, cumulative: 3n, index: 0n, challenge: built.ticket!.challenge });
  return { onion: built.onion, pathKey: undefined, ticket, channelId: computeChannelId(native, payer, keys.nodeAddress) };
}

// The relay runs its public-key work inline or on worker threads (performance.cryptoWorkers): both must
// give the same answers, including for bad input.
describe.each([0, 1])("packet crypto with %i worker(s)", (workers) => {
  const crypto: PacketCrypto = createPacketCrypto(native, keys, workers);
  afterAll(() => crypto.close());

  it("peels the layer and accepts the payer's ticket", async () => {
    const result = await crypto.inbound(inboundRequest());
    expect(result.signatureOk).toBe(true);
    expect(result.instruction?.type).toBe("forward");
    if (result.instruction?.type !== "forward") return;
    expect(result.instruction.nextNodeId).toEqual(native.publicKeyFromPrivate(key(0x12)));
    expect(result.instruction.amountIn).toBe(3n);
  });

  it("reports a forged ticket and a tampered onion", async () => {
    const request = inboundRequest();
    const forged: WireTicket = { ...request.ticket, cumulative: request.ticket.cumulative + 1n };
    const bad = await crypto.inbound({ ...request, ticket: forged });
    expect(bad.instruction?.type).toBe("forward");
    expect(bad.signatureOk).toBe(false);
    const onion = request.onion.slice();
    onion[100]! ^= 1;
    const tampered = await crypto.inbound({ ...request, onion });
    expect(tampered.instruction).toBeUndefined();
    expect(tampered.peelError).toBeTruthy();
  });

  it("signs tickets the payee can verify", async () => {
    const payee = privateKeyToAddress(native, key(0x62));
    const challenge = key(0x77);
    const ticket = crypto.sign({ payee: toHex(payee, true), channelId: computeChannelId(native, keys.nodeAddress, payee), epoch: 2n, cumulative: 9n, index: 4n, challenge });
    expect(() => verifyTicket(native, { domain: keys.ticketDomain, ticket, payee, expectedChallenge: challenge })).not.toThrow();
    expect(ticket).toMatchObject({ epoch: 2n, cumulative: 9n, index: 4n });
  });

  it("signs with presignatures while it has them (workers), and the usual way once they run out", async () => {
    const payee = privateKeyToAddress(native, key(0x62));
    const request = { payee: toHex(payee, true), channelId: computeChannelId(native, keys.nodeAddress, payee), epoch: 2n, cumulative: 9n, challenge: key(0x78) };
    if (workers > 0) {
      const started = Date.now();
      while (crypto.presignatures < 256 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
      expect(crypto.presignatures).toBeGreaterThanOrEqual(256);
    } else {
      expect(crypto.presignatures).toBe(0);
    }
    // More than are ready: the first ones use presignatures (a fresh nonce each), the rest sign deterministically.
    const signatures = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const ticket = crypto.sign({ ...request, index: 5n });
      expect(() => verifyTicket(native, { domain: keys.ticketDomain, ticket, payee, expectedChallenge: request.challenge })).not.toThrow();
      signatures.add(toHex(ticket.signature));
    }
    // Inline every signature of the same ticket is the RFC 6979 one; with workers, each presignature gave another.
    if (workers === 0) expect(signatures.size).toBe(1);
    else expect(signatures.size).toBeGreaterThan(256);
  });
});

/** Nice value of each thread of this process, by thread id (/proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      nice.set(Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nice;
}

describe.runIf(process.platform === "linux")("presignature thread", () => {
  it("runs at the lowest CPU priority, and the relay's other threads keep theirs", async () => {
    const before = threadNiceValues();
    const crypto = createPacketCrypto(native, keys, 1);
    try {
      const started = Date.now();
      while (crypto.presignatures === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
      expect(crypto.presignatures).toBeGreaterThan(0);
      const added = [...threadNiceValues()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      // The presigner at 19; the crypto worker (and V8's helpers for both) as the process.
      expect(added.filter((nice) => nice === 19)).toHaveLength(1);
      expect(added.filter((nice) => nice !== 19).every((nice) => nice === before.get(process.pid))).toBe(true);
      expect(threadNiceValues().get(process.pid)).toBe(before.get(process.pid));
    } finally {
      await crypto.close();
    }
  });
});
