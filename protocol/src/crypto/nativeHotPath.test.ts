/**
 * With the native back-end selected, the per-packet path (build, process plain and blinded hops, sign
 * and verify tickets) does no pure-JS public-key work: noble's secp256k1 is replaced by a poisoned stub
 * in this file, so any use of it would throw.
 */
import { describe, expect, it, vi } from "vitest";

const used: string[] = [];
vi.mock("@noble/curves/secp256k1.js", () => {
  const poison = (path: string): unknown =>
    new Proxy(function () {}, {
      get(_, prop) {
        used.push(`${path}.${String(prop)}`);
        throw new Error(`pure-JS secp256k1 used: ${path}.${String(prop)}`);
      },
      apply() {
        used.push(path);
        throw new Error(`pure-JS secp256k1 used: ${path}()`);
      },
    });
  return { secp256k1: new Proxy({}, { get: (_, prop) => poison(`secp256k1.${String(prop)}`) }) };
});

const { buildPacket, createRecipientPath, hashTicketDomain, portableBackend, processPacket, signTicket, verifyTicket } = await import("../index.ts");
const { getNativeBackend } = await import("../native.ts");
type ForwardInstruction = import("../index.ts").ForwardInstruction;

const key = (byte: number) => new Uint8Array(32).fill(byte);

describe("native per-packet path", () => {
  it("never touches noble's secp256k1", () => {
    const native = getNativeBackend();
    const ids = [1, 2, 3].map((i) => native.publicKeyFromPrivate(key(0x10 + i)));
    const address = createRecipientPath(native, {
      sessionKey: key(0x31),
      relays: [{ nodeId: ids[2]!, fee: 1n }],
      recipientNodeId: native.publicKeyFromPrivate(key(0x21)),
      pathId: key(9),
    });
    const built = buildPacket(native, {
      sessionKey: key(0x41),
      route: [0, 1].map((i) => ({ nodeId: ids[i]!, fee: 1n })),
      recipient: address,
      fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data: new Uint8Array(10) },
    });
    let r = processPacket(native, { onion: built.onion, privateKey: key(0x11) }) as ForwardInstruction;
    r = processPacket(native, { onion: r.nextOnion, privateKey: key(0x12) }) as ForwardInstruction;
    r = processPacket(native, { onion: r.nextOnion, pathKey: r.nextPathKey, privateKey: key(0x13) }) as ForwardInstruction;
    expect(r.blinded).toBe(true);
    expect(processPacket(native, { onion: r.nextOnion, pathKey: r.nextPathKey, privateKey: key(0x21) }).type).toBe("deliver");
    const domain = hashTicketDomain(native, { chainId: 1n, verifyingContract: new Uint8Array(20) });
    const payee = new Uint8Array(20).fill(1);
    const ticket = signTicket(native, { domain, privateKey: key(5), payee, epoch: 1n, cumulative: 2n, index: 3n, challenge: built.ticket!.challenge });
    verifyTicket(native, { domain, ticket, payee, expectedChallenge: built.ticket!.challenge });
    expect(used).toEqual([]);
  });

  it("(control) the stub does catch pure-JS use", () => {
    expect(() => portableBackend.publicKeyFromPrivate(key(1))).toThrow(/pure-JS secp256k1 used/);
    expect(used.length).toBeGreaterThan(0);
  });
});
