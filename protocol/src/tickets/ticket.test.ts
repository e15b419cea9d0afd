import fc from "fast-check";
import { encodeAbiParameters, hashTypedData, keccak256, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount, signTypedData } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { backends, key } from "../../../test/protocol/helpers.ts";
import {
  InvalidSignatureError,
  TicketMismatchError,
  computeChannelId,
  decodeWireTicket,
  encodeWireTicket,
  fromHex,
  hashTicket,
  hashTicketDomain,
  privateKeyToAddress,
  signTicket,
  ticketTypedData,
  toChecksumAddress,
  toHex,
  verifyTicket,
} from "../index.ts";

const domain = { chainId: 31337n, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
const payerKey = key(0x61);
const payeeKey = key(0x62);

const arbTicket = fc.record({
  channelId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  epoch: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  cumulative: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  index: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  challenge: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

describe.each(backends)("tickets (%s back-end)", (_, backend) => {
  const payer = privateKeyToAddress(backend, payerKey);
  const payee = privateKeyToAddress(backend, payeeKey);
  const payerHex = toHex(payerKey, true) as `0x${string}`;

  it("derives addresses and channel ids like viem / Solidity abi.encode", () => {
    expect(toChecksumAddress(backend, payer)).toBe(privateKeyToAccount(payerHex).address);
    const expected = keccak256(encodeAbiParameters([{ type: "address" }, { type: "address" }], [toChecksumAddress(backend, payer), toChecksumAddress(backend, payee)]));
    expect(toHex(computeChannelId(backend, payer, payee), true)).toBe(expected);
  });

  it("hashes like viem's hashTypedData (property)", () => {
    const separator = hashTicketDomain(backend, domain);
    fc.assert(
      fc.property(arbTicket, (ticket) => {
        const viemDigest = hashTypedData(ticketTypedData(domain, ticket));
        expect(toHex(hashTicket(backend, domain, ticket), true)).toBe(viemDigest);
        expect(toHex(hashTicket(backend, separator, ticket), true)).toBe(viemDigest);
      }),
      { numRuns: 200 },
    );
  });

  it("signs like viem's signTypedData and recovers with viem's recoverTypedDataAddress", async () => {
    const samples = fc.sample(arbTicket, 20);
    for (const sample of samples) {
      const wire = signTicket(backend, { domain, privateKey: payerKey, payee, epoch: sample.epoch, cumulative: sample.cumulative, index: sample.index, challenge: sample.challenge });
      const ticket = { ...sample, channelId: computeChannelId(backend, payer, payee) };
      const typed = ticketTypedData(domain, ticket);
      const viemSignature = await signTypedData({ ...typed, privateKey: payerHex });
      expect(toHex(wire.signature, true)).toBe(viemSignature);
      const recovered = await recoverTypedDataAddress({ ...typed, signature: toHex(wire.signature, true) as `0x${string}` });
      expect(recovered).toBe(toChecksumAddress(backend, payer));
      const verified = verifyTicket(backend, { domain, ticket: wire, payee, expectedChallenge: sample.challenge });
      expect(toHex(verified.digest, true)).toBe(hashTypedData(typed));
    }
  });

  it("round-trips the 149-byte wire form and rejects bad signatures", () => {
    const wire = signTicket(backend, { domain, privateKey: payerKey, payee, epoch: 3n, cumulative: 10n ** 30n, index: 9n, challenge: key(0x5c) });
    const bytes = encodeWireTicket(wire);
    expect(bytes.length).toBe(149);
    expect(decodeWireTicket(bytes)).toEqual(wire);
    // Wrong payee, other domain, other challenge, tampered amount: not the payer's signature.
    expect(() => verifyTicket(backend, { domain, ticket: wire, payee: payer })).toThrow(TicketMismatchError);
    expect(() => verifyTicket(backend, { domain: { ...domain, chainId: 1n }, ticket: wire, payee })).toThrow(TicketMismatchError);
    expect(() => verifyTicket(backend, { domain, ticket: { ...wire, cumulative: wire.cumulative + 1n }, payee })).toThrow(TicketMismatchError);
    expect(() => verifyTicket(backend, { domain, ticket: wire, payee, expectedChallenge: key(0x5d) })).toThrow(TicketMismatchError);
    // High s, bad v: malformed.
    const highS = bytes.slice();
    highS[20 + 8 + 16 + 8 + 32 + 32] = 0xff;
    expect(() => decodeWireTicket(highS)).toThrow(InvalidSignatureError);
    const badV = bytes.slice();
    badV[148] = 29;
    expect(() => decodeWireTicket(badV)).toThrow(InvalidSignatureError);
    expect(() => decodeWireTicket(bytes.subarray(0, 148))).toThrow();
    expect(fromHex(toHex(bytes))).toEqual(bytes);
  });
});
