import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { paymentChannelsAbi } from "#contracts/generated";
import { computeChannelId, hashTicket, portableBackend } from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { startDevnet, type Devnet } from "../../cli/src/devnet/devnet.ts";

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}` as Hex;

// protocol/'s EIP-712 ticket digest against the deployed contract's own `hashTicket` (EDR).
describe("ticket digests: protocol/ equals PaymentChannels.hashTicket on chain", () => {
  let devnet: Devnet;
  beforeAll(async () => {
    devnet = await startDevnet();
  }, 60_000);
  afterAll(async () => devnet?.stop());

  it("property: for random tickets, both back-ends compute the contract's digest and channel id", async () => {
    const domain = { chainId: devnet.chainId, verifyingContract: devnet.contracts.channels };
    const u = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        u(64),
        u(128),
        u(64),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (payer, payee, epoch, cumulative, index, challenge) => {
          const channelId = computeChannelId(getNativeBackend(), payer, payee);
          const onChainId = await devnet.publicClient.readContract({ address: devnet.contracts.channels, abi: paymentChannelsAbi, functionName: "channelId", args: [hex(payer), hex(payee)] });
          expect(hex(channelId)).toBe(onChainId.toLowerCase());
          const onChain = await devnet.publicClient.readContract({
            address: devnet.contracts.channels,
            abi: paymentChannelsAbi,
            functionName: "hashTicket",
            args: [hex(channelId), epoch, cumulative, index, hex(challenge)],
          });
          for (const backend of [getNativeBackend(), portableBackend]) {
            expect(hex(hashTicket(backend, domain, { channelId, epoch, cumulative, index, challenge }))).toBe(onChain.toLowerCase());
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
