/**
 * Test support (not exported): a stand-in for a viem PublicClient that answers the reads the SDK makes —
 * the relay directory (relayCount, getRelays), channels (channelId, getChannel), token — from in-memory
 * state, so routing, addresses and ledgers can be unit-tested without a chain.
 */
import type { Address, Hex, PublicClient } from "viem";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { portableBackend, toHex } from "#protocol";

export type FakeRelay = { node: Address; operator: Address; onionKey: Hex; peerId: Hex; multiaddrs: string[]; fee: bigint; stake: bigint; active: boolean; unbondingEnds: bigint; onionPrivateKey: Uint8Array };
export type FakeChannel = { balance: bigint; settled: bigint; epoch: bigint; closesAt: bigint; status: 0 | 1 | 2 };

const address = (n: number, prefix: string): Address => `0x${prefix}${n.toString(16).padStart(40 - prefix.length, "0")}` as Address;

export async function fakeRelay(i: number, overrides: Partial<FakeRelay> = {}): Promise<FakeRelay> {
  const onionPrivateKey = new Uint8Array(32).fill(0).map((_, j) => (j === 31 ? i + 1 : j === 0 ? 0x11 : 0));
  const libp2p = await generateKeyPairFromSeed("Ed25519", new Uint8Array(32).fill(i + 1));
  const peer = peerIdFromPrivateKey(libp2p);
  return {
    node: address(i + 1, "ee"),
    operator: address(i + 1, "00"),
    onionKey: toHex(portableBackend.publicKeyFromPrivate(onionPrivateKey), true) as Hex,
    peerId: toHex(peer.toMultihash().bytes, true) as Hex,
    multiaddrs: [`/ip4/127.0.0.1/tcp/${40000 + i}`],
    fee: 1n,
    stake: 100n,
    active: true,
    unbondingEnds: 0n,
    onionPrivateKey,
    ...overrides,
  };
}

export class FakeChain {
  relays: FakeRelay[] = [];
  readonly channels = new Map<string, FakeChannel>();
  reads = 0;
  /** `onLogs` callbacks of RelayRegistry watchers: call them to simulate registry events. */
  readonly watchers: ((logs: unknown[]) => void)[] = [];

  channel(payer: string, payee: string): FakeChannel {
    return this.channels.get(`${payer.toLowerCase()}>${payee.toLowerCase()}`) ?? { balance: 0n, settled: 0n, epoch: 0n, closesAt: 0n, status: 0 };
  }

  setChannel(payer: string, payee: string, channel: Partial<FakeChannel>): void {
    this.channels.set(`${payer.toLowerCase()}>${payee.toLowerCase()}`, { ...this.channel(payer, payee), status: 1, ...channel });
  }

  /** Funded channels between every ordered pair of relays (as the local network's relays have). */
  meshChannels(balance = 10_000n): void {
    for (const a of this.relays) for (const b of this.relays) if (a !== b) this.setChannel(a.node, b.node, { balance });
  }

  publicClient(chainId = 31337): PublicClient {
    const chain = this;
    return {
      chain: { id: chainId },
      pollingInterval: 1000,
      getBlockNumber: async () => 1n,
      getChainId: async () => chainId,
      watchContractEvent: ({ onLogs }: { onLogs: (logs: unknown[]) => void }) => {
        chain.watchers.push(onLogs);
        return () => chain.watchers.splice(chain.watchers.indexOf(onLogs), 1);
      },
      readContract: async ({ functionName, args }: { functionName: string; args?: readonly unknown[] }) => {
        chain.reads++;
        switch (functionName) {
          case "relayCount":
            return BigInt(chain.relays.length);
          case "getRelays": {
            const [offset, limit] = args as [bigint, bigint];
            return chain.relays.slice(Number(offset), Number(offset + limit)).map(({ onionPrivateKey: _k, ...r }) => r);
          }
          case "channelId":
            return `0x${"00".repeat(32)}`;
          case "getChannel": {
            const [payer, payee] = args as [string, string];
            return chain.channel(payer, payee);
          }
          case "token":
            return address(1, "70");
          default:
            throw new Error(`FakeChain: no ${functionName}`);
        }
      },
    } as unknown as PublicClient;
  }
}
