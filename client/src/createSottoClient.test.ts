/**
 * The client against a fake chain (no network): addresses, route selection with its fallbacks, the funds
 * check before a send, and the errors callers see. The end-to-end behaviour is in test/e2e/client.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Libp2p } from "libp2p";
import { createWalletClient, custom, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildPacket, decodeAddress, encodeAddress, portableBackend as backend, processPacket, toHex } from "#protocol";
import { createSottoClient } from "./createSottoClient.ts";
import {
  AddressExpiredError,
  IdentityRequiredError,
  InsufficientChannelFundsError,
  InvalidRecipientError,
  NoChannelError,
  NoRouteError,
  WalletRequiredError,
} from "./errors.ts";
import { createMemoryStorage } from "./storage/createMemoryStorage.ts";
import { FakeChain, fakeRelay } from "./testing/fakeChain.ts";

const contracts = { registry: "0x00000000000000000000000000000000000000a1" as Address, channels: "0x00000000000000000000000000000000000000a2" as Address };
const noHost = {} as Libp2p; // any network use would throw
const key = (n: number) => new Uint8Array(32).fill(n);
const wallet = (n: number) =>
  createWalletClient({
    account: privateKeyToAccount(`0x${(n + 1).toString(16).padStart(64, "0")}`),
    chain: { id: 31337, name: "t", nativeCurrency: { name: "E", symbol: "E", decimals: 18 }, rpcUrls: { default: { http: [] } } },
    transport: custom({ request: async () => { throw new Error("no RPC in this test"); } }),
  });

async function world(fees: bigint[] = [1n, 2n, 3n, 4n], operators?: number[]) {
  const chain = new FakeChain();
  chain.relays = await Promise.all(fees.map((fee, i) => fakeRelay(i, { fee, ...(operators ? { operator: `0x${operators[i]!.toString(16).padStart(40, "0")}` as Address } : {}) })));
  chain.meshChannels();
  return chain;
}

const make = (chain: FakeChain, extra: Record<string, unknown> = {}) =>
  createSottoClient({ publicClient: chain.publicClient(), contracts, backend, host: noHost, watchDirectory: false, ...extra });

describe("createSottoClient (fake chain)", () => {
  it("creates addresses over two relays with distinct operators and a channel between them, persisted in storage", async () => {
    const chain = await world();
    const storage = createMemoryStorage();
    const client = await make(chain, { identityKey: key(7), storage });
    const created = await client.address();
    const decoded = decodeAddress(created.address);
    expect(decoded.chainId).toBe(31337n);
    expect(Number(decoded.expiresAt) - Date.now() / 1000).toBeGreaterThan(7 * 86_400 - 60);
    const intro = chain.relays.find((r) => r.node === created.intro)!;
    const home = chain.relays.find((r) => r.node === created.home)!;
    expect(intro.operator).not.toBe(home.operator);
    expect(toHex(decoded.path.introductionNodeId, true)).toBe(intro.onionKey);
    expect(decoded.fees).toEqual([intro.fee, home.fee]);

    // A packet into the address is peeled by the introduction relay, then the home relay, then reaches us.
    const built = buildPacket(backend, { sessionKey: key(9), route: [], recipient: decoded, fragment: { messageId: key(1).slice(0, 16), index: 0, count: 1, data: new Uint8Array([1, 2, 3]) } });
    const atIntro = processPacket(backend, { onion: built.onion, pathKey: built.pathKey, privateKey: intro.onionPrivateKey });
    if (atIntro.type !== "forward") throw new Error("intro should forward");
    expect(toHex(atIntro.nextNodeId, true)).toBe(home.onionKey);
    const atHome = processPacket(backend, { onion: atIntro.nextOnion, pathKey: atIntro.nextPathKey, privateKey: home.onionPrivateKey });
    if (atHome.type !== "forward") throw new Error("home should forward");
    expect(toHex(atHome.nextNodeId, true)).toBe(client.nodeId);
    expect(processPacket(backend, { onion: atHome.nextOnion, pathKey: atHome.nextPathKey, privateKey: key(7) }).type).toBe("deliver");

    // Without a channel between any two relays there is no address.
    const bare = new FakeChain();
    bare.relays = chain.relays;
    await expect((await make(bare, { identityKey: key(7) })).address()).rejects.toThrow(NoRouteError);
    await expect((await make(bare, { identityKey: key(7) })).address({ relays: [intro.node, home.node] })).rejects.toThrow(/has no funded channel to/);

    const restarted = await make(chain, { identityKey: key(7), storage });
    expect((await restarted.getAddresses()).map((a) => a.address)).toEqual([created.address]);
  });

  it("routes entry → the address's introduction relay: stake-weighted, never the introduction relay itself, fee = all hops", async () => {
    const chain = await world();
    const recipient = await make(chain, { identityKey: key(8) });
    const sender = await make(chain, { wallet: wallet(1) });
    const [r0, r1, r2, r3] = chain.relays as [typeof chain.relays[0], typeof chain.relays[0], typeof chain.relays[0], typeof chain.relays[0]];
    chain.setChannel(sender.account!, r0.node, { balance: 1_000n });
    const { address } = await recipient.address({ relays: [r2.node, r3.node] });
    const route = await sender.selectRoute({ to: address });
    expect(route.relays).toEqual([{ node: r0.node, fee: 1n }]);
    expect(route.intro).toBe(r2.node);
    expect(route.length).toBe(3);
    expect(route.fee).toBe(1n + 3n + 4n);
    expect(route.capacity).toBeGreaterThan(600);

    // The only channel goes to the introduction relay: straight into the blinded path (two relays).
    const viaEntry = await recipient.address({ relays: [r0.node, r3.node] });
    const direct = await sender.selectRoute({ to: viaEntry.address });
    expect(direct).toMatchObject({ entry: r0.node, intro: r0.node, length: 2, fee: 1n + 4n });

    // No channel from the entry to the introduction relay: one relay more.
    chain.setChannel(r0.node, r2.node, { balance: 0n });
    const fresh = await make(chain, { wallet: wallet(1) }); // channel look-ups are cached for a minute
    const longer = await fresh.selectRoute({ to: address });
    expect(longer.relays[0]!.node).toBe(r0.node);
    expect([r1.node, r3.node]).toContain(longer.relays[1]!.node);
    expect(longer.length).toBe(4);
  });

  it("never shares an operator with the introduction relay", async () => {
    const chain = await world([1n, 1n, 1n], [1, 2, 1]);
    const recipient = await make(chain, { identityKey: key(8) });
    const sender = await make(chain, { wallet: wallet(2) });
    const [r0, r1, r2] = chain.relays as [typeof chain.relays[0], typeof chain.relays[0], typeof chain.relays[0]];
    chain.setChannel(sender.account!, r0.node, { balance: 1_000n });
    const { address } = await recipient.address({ relays: [r2.node, r1.node] }); // r2 is run by r0's operator
    await expect(sender.selectRoute({ to: address })).rejects.toThrow(NoRouteError);
  });

  it("checks the entry channel before sending and says how much is missing", async () => {
    const chain = await world();
    const recipient = await make(chain, { identityKey: key(8) });
    const sender = await make(chain, { wallet: wallet(3) });
    const [r0, , r2, r3] = chain.relays;
    chain.setChannel(sender.account!, r0!.node, { balance: 10n });
    const { address } = await recipient.address({ relays: [r2!.node, r3!.node] });
    const route = await sender.selectRoute({ to: address });
    const message = new Uint8Array(route.capacity + 1); // two packets
    const error = await sender.send(address, message, { replyPath: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientChannelFundsError);
    expect((error as InsufficientChannelFundsError).needed).toBe(route.fee * 2n);
    expect((error as InsufficientChannelFundsError).missing).toBe(route.fee * 2n - 10n);
  });

  it("caches the directory and reads it again when the registry emits an event", async () => {
    const chain = await world([1n, 1n]);
    const client = await make(chain, { watchDirectory: true, directoryTtlMs: 3_600_000 });
    expect(await client.getRelays()).toHaveLength(2);
    chain.relays.push(await fakeRelay(2));
    expect(await client.getRelays()).toHaveLength(2); // cached
    expect(chain.watchers).toHaveLength(1);
    chain.watchers[0]!([{ eventName: "RelayRegistered" }]);
    expect(await client.getRelays()).toHaveLength(3);
    chain.relays[0]!.active = false;
    expect((await client.getRelays({ refresh: true, activeOnly: true })).map((r) => r.node)).toEqual([chain.relays[1]!.node, chain.relays[2]!.node]);
    await client.close();
    expect(chain.watchers).toHaveLength(0);
  });

  it("refuses what cannot work, with errors that say why", async () => {
    const chain = await world();
    const recipient = await make(chain, { identityKey: key(8) });
    const { address } = await recipient.address();
    const noWallet = await make(chain);
    await expect(noWallet.send(address, "hi")).rejects.toThrow(WalletRequiredError);
    await expect(noWallet.address()).rejects.toThrow(IdentityRequiredError);
    const sender = await make(chain, { wallet: wallet(4) });
    await expect(sender.send(address, "hi", { replyPath: false })).rejects.toThrow(NoChannelError);
    await expect(sender.send("sotto1qqqq", "hi")).rejects.toThrow(InvalidRecipientError);
    const decoded = decodeAddress(address);
    await expect(sender.send(encodeAddress({ ...decoded, chainId: 1n }), "hi")).rejects.toThrow(/for chain 1, this client is on chain 31337/);
    await expect(sender.send(encodeAddress({ ...decoded, expiresAt: 1n }), "hi")).rejects.toThrow(AddressExpiredError);
    await expect(make(chain, { identityKey: new Uint8Array(32) })).rejects.toThrow(/identityKey/);
  });
});
