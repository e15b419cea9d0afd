import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { concat, getAddress, maxUint256, parseEther, recoverAddress, zeroAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bindingDigest, makeRelay, onionKeyOf, signBinding, type BindingOptions, type TestRelay } from "./helpers/relays.ts";
import { signPermit } from "./helpers/permit.ts";
import { deployRegistry, deployToken, walletClients, type RelayRegistryContract } from "./helpers/contracts.ts";

const { viem, networkHelpers } = await network.create();
const { time, loadFixture } = networkHelpers;
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
const [operator, operator2, stranger] = await walletClients(viem, [1, 2, 3]);

const MIN_STAKE = parseEther("100");
const DELAY = 7n * 24n * 3600n;
const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

async function deployFixture() {
  const token = await deployToken(viem);
  const registry = await deployRegistry(viem, [token.address, MIN_STAKE, DELAY]);
  for (const wallet of [operator, operator2, stranger]) {
    await token.write.mint([wallet.account.address, parseEther("100000")]);
    await token.write.approve([registry.address, maxUint256], { account: wallet.account });
  }
  return { token, registry };
}

type Registry = RelayRegistryContract;
type Wallet = typeof operator;

async function bindingOptions(
  registry: Registry,
  relay: TestRelay,
  from: Wallet,
  overrides: Partial<BindingOptions> = {},
): Promise<BindingOptions> {
  return {
    chainId,
    registry: registry.address,
    operator: from.account.address,
    nonce: await registry.read.nonces([relay.params.node]),
    deadline: BigInt(await time.latest()) + 3600n,
    ...overrides,
  };
}

async function register(
  registry: Registry,
  relay: TestRelay,
  { from = operator, amount = MIN_STAKE, ...overrides }: { from?: Wallet; amount?: bigint } & Partial<BindingOptions> = {},
) {
  const o = await bindingOptions(registry, relay, from, overrides);
  const signature = await signBinding(relay, o);
  return registry.write.register([relay.params, amount, o.deadline, signature], { account: from.account });
}

async function update(
  registry: Registry,
  relay: TestRelay,
  { from = operator, ...overrides }: { from?: Wallet } & Partial<BindingOptions> = {},
) {
  const o = await bindingOptions(registry, relay, from, overrides);
  const signature = await signBinding(relay, o);
  return registry.write.updateRelay([relay.params, o.deadline, signature], { account: from.account });
}

function withParams(relay: TestRelay, params: Partial<TestRelay["params"]>): TestRelay {
  return { node: relay.node, params: { ...relay.params, ...params } };
}

const hex = (byte: string, length: number): Hex => `0x${byte.repeat(length)}`;

describe("RelayRegistry", () => {
  describe("constructor", () => {
    it("stores the token, minimum stake and unbonding delay", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      assert.equal(await registry.read.token(), getAddress(token.address));
      assert.equal(await registry.read.minimumStake(), MIN_STAKE);
      assert.equal(await registry.read.unbondingDelay(), DELAY);
      assert.equal(await registry.read.relayCount(), 0n);
      assert.equal(await registry.read.MAX_PEER_ID_LENGTH(), 64n);
      assert.equal(await registry.read.MAX_MULTIADDRS(), 8n);
      assert.equal(await registry.read.MAX_MULTIADDR_LENGTH(), 256n);
      const [, name, version, domainChainId, verifyingContract] = await registry.read.eip712Domain();
      assert.deepEqual([name, version, Number(domainChainId), verifyingContract], [
        "Sotto RelayRegistry",
        "1",
        chainId,
        getAddress(registry.address),
      ]);
    });

    it("rejects the zero token", async () => {
      const { registry } = await loadFixture(deployFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("RelayRegistry", [zeroAddress, MIN_STAKE, DELAY]),
        registry,
        "RelayRegistryInvalidToken",
        [zeroAddress],
      );
    });
  });

  describe("hashRelayBinding", () => {
    it("equals viem's hashTypedData of the RelayBinding in docs/architecture.md", async () => {
      const { registry } = await loadFixture(deployFixture);
      for (const relay of [makeRelay(1), makeRelay(2, 0n), makeRelay(3, 2n ** 128n - 1n)]) {
        const o = await bindingOptions(registry, relay, operator, { nonce: 7n, deadline: 2n ** 64n - 1n });
        assert.equal(
          await registry.read.hashRelayBinding([operator.account.address, relay.params, o.nonce, o.deadline]),
          bindingDigest(relay.params, o),
        );
      }
      // One multiaddr, and the maximum of eight.
      const one = withParams(makeRelay(4), { multiaddrs: ["/ip6/::1/tcp/1"] });
      const eight = withParams(makeRelay(5), { multiaddrs: Array.from({ length: 8 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`) });
      for (const relay of [one, eight]) {
        const o = await bindingOptions(registry, relay, operator2);
        assert.equal(
          await registry.read.hashRelayBinding([operator2.account.address, relay.params, o.nonce, o.deadline]),
          bindingDigest(relay.params, o),
        );
      }
    });
  });

  describe("register", () => {
    it("stakes, stores the record, uses the node's nonce and emits RelayRegistered", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      const amount = MIN_STAKE + 5n;
      await viem.assertions.emitWithArgs(register(registry, relay, { amount }), registry, "RelayRegistered", [
        relay.params.node,
        operator.account.address,
        relay.params.onionKey,
        relay.params.peerId,
        relay.params.multiaddrs,
        relay.params.fee,
        amount,
      ]);
      assert.equal(await token.read.balanceOf([registry.address]), amount);
      assert.equal(await registry.read.relayCount(), 1n);
      assert.equal(await registry.read.nonces([relay.params.node]), 1n);
      assert.equal(await registry.read.isActive([relay.params.node]), true);
      assert.equal(await registry.read.nodeOfOnionKey([relay.params.onionKey]), getAddress(relay.params.node));
      assert.deepEqual(await registry.read.getRelay([relay.params.node]), {
        node: getAddress(relay.params.node),
        operator: getAddress(operator.account.address),
        onionKey: relay.params.onionKey,
        peerId: relay.params.peerId,
        multiaddrs: relay.params.multiaddrs,
        fee: relay.params.fee,
        stake: amount,
        active: true,
        unbondingEnds: 0n,
      });
    });

    it("accepts both onion key prefixes and the largest peer id and multiaddr list", async () => {
      const { registry } = await loadFixture(deployFixture);
      const long = withParams(makeRelay("long"), {
        peerId: hex("ab", 64),
        multiaddrs: Array.from({ length: 8 }, (_, i) => `/dns4/${"a".repeat(250)}/${i}`.slice(0, 256)),
      });
      assert.ok(long.params.multiaddrs.every((m) => m.length === 256));
      await register(registry, long, { from: operator2 });
      assert.deepEqual((await registry.read.getRelay([long.params.node])).multiaddrs, long.params.multiaddrs);
      const prefixes = new Set<string>();
      for (let i = 0; prefixes.size < 2; i++) {
        const relay = makeRelay(`prefix-${i}`);
        const prefix = relay.params.onionKey.slice(0, 4);
        if (prefixes.has(prefix)) continue;
        prefixes.add(prefix);
        await register(registry, relay);
        assert.equal((await registry.read.getRelay([relay.params.node])).onionKey, relay.params.onionKey);
      }
      assert.equal(await registry.read.relayCount(), 3n);
    });

    it("accepts a node that is its own operator", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      const relay = makeRelay("self");
      await networkHelpers.setBalance(relay.node.address, parseEther("1"));
      await token.write.mint([relay.node.address, MIN_STAKE]);
      await token.write.approve([registry.address, MIN_STAKE], { account: relay.node });
      const o = await bindingOptions(registry, relay, operator, { operator: relay.node.address });
      const signature = await signBinding(relay, o);
      await registry.write.register([relay.params, MIN_STAKE, o.deadline, signature], { account: relay.node });
      assert.equal((await registry.read.getRelay([relay.params.node])).operator, getAddress(relay.node.address));
    });

    it("reverts with RelayRegistryNodeTaken for a registered node, whoever the operator", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      await register(registry, relay);
      for (const from of [operator, operator2]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          register(registry, relay, { from }),
          registry,
          "RelayRegistryNodeTaken",
          [getAddress(relay.params.node), getAddress(operator.account.address)],
        );
      }
    });

    it("reverts with RelayRegistryStakeBelowMinimum", async () => {
      const { registry } = await loadFixture(deployFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        register(registry, makeRelay(1), { amount: MIN_STAKE - 1n }),
        registry,
        "RelayRegistryStakeBelowMinimum",
        [MIN_STAKE - 1n, MIN_STAKE],
      );
    });

    it("reverts with RelayRegistryInvalidOnionKey for wrong length, prefix or a point not on the curve", async () => {
      const { registry } = await loadFixture(deployFixture);
      const good = makeRelay(1).params.onionKey;
      const notOnCurve = (x: bigint): Hex => concat(["0x02", `0x${x.toString(16).padStart(64, "0")}`]);
      const bad: Hex[] = [
        "0x",
        good.slice(0, 66) as Hex, // 32 bytes
        concat([good, "0x00"]), // 34 bytes
        concat(["0x04", `0x${good.slice(4)}`]), // uncompressed prefix
        concat(["0x00", `0x${good.slice(4)}`]),
        notOnCurve(0n), // 0³ + 7 is not a square mod p
        notOnCurve(5n),
        notOnCurve(SECP256K1_P), // x must be below p
        notOnCurve(SECP256K1_P + 1n), // ≡ 1 (mod p), on the curve if reduced
      ];
      for (const onionKey of bad) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          register(registry, withParams(makeRelay(1), { onionKey })),
          registry,
          "RelayRegistryInvalidOnionKey",
          [onionKey],
        );
      }
    });

    it("reverts with RelayRegistryInvalidPeerId for an empty or too long peer id", async () => {
      const { registry } = await loadFixture(deployFixture);
      for (const peerId of ["0x", hex("01", 65)] as Hex[]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          register(registry, withParams(makeRelay(1), { peerId })),
          registry,
          "RelayRegistryInvalidPeerId",
          [BigInt((peerId.length - 2) / 2), 64n],
        );
      }
    });

    it("reverts with RelayRegistryInvalidMultiaddrCount for none or more than eight", async () => {
      const { registry } = await loadFixture(deployFixture);
      for (const count of [0, 9]) {
        const multiaddrs = Array.from({ length: count }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`);
        await viem.assertions.revertWithCustomErrorWithArgs(
          register(registry, withParams(makeRelay(1), { multiaddrs })),
          registry,
          "RelayRegistryInvalidMultiaddrCount",
          [BigInt(count), 8n],
        );
      }
    });

    it("reverts with RelayRegistryInvalidMultiaddr for an empty or too long multiaddr", async () => {
      const { registry } = await loadFixture(deployFixture);
      const cases: [string[], bigint, bigint][] = [
        [["/ip4/1.2.3.4/tcp/1", ""], 1n, 0n],
        [["a".repeat(257)], 0n, 257n],
      ];
      for (const [multiaddrs, index, length] of cases) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          register(registry, withParams(makeRelay(1), { multiaddrs })),
          registry,
          "RelayRegistryInvalidMultiaddr",
          [index, length, 256n],
        );
      }
    });

    it("reverts with RelayRegistryExpiredSignature after the deadline", async () => {
      const { registry } = await loadFixture(deployFixture);
      const deadline = BigInt(await time.latest());
      await viem.assertions.revertWithCustomErrorWithArgs(
        register(registry, makeRelay(1), { deadline }),
        registry,
        "RelayRegistryExpiredSignature",
        [deadline],
      );
    });

    it("reverts with RelayRegistryInvalidSignature unless the node signed this exact binding", async () => {
      const { registry } = await loadFixture(deployFixture);
      const other = await deployRegistry(viem, [await registry.read.token(), MIN_STAKE, DELAY]);
      const relay = makeRelay(1);
      const stranger = privateKeyToAccount(`0x${"11".repeat(32)}`);
      const base = await bindingOptions(registry, relay, operator);
      const forged: [string, Partial<BindingOptions>][] = [
        ["another key", { signer: stranger }],
        ["another operator", { signed: { operator: operator2.account.address } }],
        ["another fee", { signed: { fee: relay.params.fee + 1n } }],
        ["other multiaddrs", { signed: { multiaddrs: ["/ip4/6.6.6.6/tcp/1"] } }],
        ["another onion key", { signed: { onionKey: onionKeyOf("other") } }],
        ["another nonce", { nonce: 1n }],
        ["another chain id", { chainId: 1 }],
        ["another deployment", { registry: other.address }],
      ];
      for (const [label, overrides] of forged) {
        const signed = { ...base, ...overrides };
        const signature = await signBinding(relay, signed);
        const signer = await recoverAddress({ hash: bindingDigest(relay.params, base), signature });
        await viem.assertions.revertWithCustomErrorWithArgs(
          registry.write.register([relay.params, MIN_STAKE, base.deadline, signature], { account: operator.account }),
          registry,
          "RelayRegistryInvalidSignature",
          [getAddress(relay.params.node), signer],
        ).catch((e: unknown) => {
          throw new Error(`${label}: ${String(e)}`);
        });
      }
      // Malformed signatures recover nothing.
      const valid = await signBinding(relay, base);
      for (const signature of [valid.slice(0, 130) as Hex, "0x" as Hex, concat([valid, "0x00"])]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          registry.write.register([relay.params, MIN_STAKE, base.deadline, signature], { account: operator.account }),
          registry,
          "RelayRegistryInvalidSignature",
          [getAddress(relay.params.node), zeroAddress],
        );
      }
      // A high-s twin of a valid signature is rejected (ECDSA malleability).
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt(`0x${valid.slice(66, 130)}`);
      const v = Number.parseInt(valid.slice(130), 16);
      const highS = concat([
        valid.slice(0, 66) as Hex,
        `0x${(n - s).toString(16).padStart(64, "0")}`,
        v === 27 ? "0x1c" : "0x1b",
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.register([relay.params, MIN_STAKE, base.deadline, highS], { account: operator.account }),
        registry,
        "RelayRegistryInvalidSignature",
        [getAddress(relay.params.node), zeroAddress],
      );
    });

    it("reverts with RelayRegistryOnionKeyTaken for a key (or its negation) held by another relay", async () => {
      const { registry } = await loadFixture(deployFixture);
      const first = makeRelay(1);
      await register(registry, first);
      const negated = concat([first.params.onionKey.startsWith("0x02") ? "0x03" : "0x02", `0x${first.params.onionKey.slice(4)}`]);
      for (const onionKey of [first.params.onionKey, negated]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          register(registry, withParams(makeRelay(2), { onionKey }), { from: operator2 }),
          registry,
          "RelayRegistryOnionKeyTaken",
          [onionKey, getAddress(first.params.node)],
        );
      }
    });

    it("reverts when the stake cannot be pulled", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      await token.write.approve([registry.address, 0n], { account: operator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        register(registry, makeRelay(1)),
        token,
        "ERC20InsufficientAllowance",
        [getAddress(registry.address), 0n, MIN_STAKE],
      );
    });
  });

  describe("addStake", () => {
    it("adds to the stake and emits StakeAdded", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      await register(registry, relay);
      await viem.assertions.emitWithArgs(
        registry.write.addStake([relay.params.node, 5n], { account: operator.account }),
        registry,
        "StakeAdded",
        [getAddress(relay.params.node), getAddress(operator.account.address), 5n, MIN_STAKE + 5n],
      );
      assert.equal((await registry.read.getRelay([relay.params.node])).stake, MIN_STAKE + 5n);
      assert.equal(await token.read.balanceOf([registry.address]), MIN_STAKE + 5n);
    });

    it("reverts with RelayRegistryZeroAmount, UnknownRelay, UnauthorizedOperator and Unbonding", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      const node = getAddress(relay.params.node);
      await viem.assertions.revertWithCustomError(
        registry.write.addStake([node, 0n], { account: operator.account }),
        registry,
        "RelayRegistryZeroAmount",
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.addStake([node, 1n], { account: operator.account }),
        registry,
        "RelayRegistryUnknownRelay",
        [node],
      );
      await register(registry, relay);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.addStake([node, 1n], { account: operator2.account }),
        registry,
        "RelayRegistryUnauthorizedOperator",
        [node, getAddress(operator.account.address), getAddress(operator2.account.address)],
      );
      await registry.write.requestUnstake([node], { account: operator.account });
      const ends = (await registry.read.getRelay([node])).unbondingEnds;
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.addStake([node, 1n], { account: operator.account }),
        registry,
        "RelayRegistryUnbonding",
        [node, ends],
      );
    });
  });

  describe("addStakeWithPermit", () => {
    it("adds stake with a permit instead of an approval", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      await register(registry, relay);
      await token.write.approve([registry.address, 0n], { account: operator.account });
      const deadline = BigInt(await time.latest()) + 600n;
      const { v, r, s } = await signPermit({ owner: operator, token, spender: registry.address, value: 7n, deadline, chainId });
      await viem.assertions.emitWithArgs(
        registry.write.addStakeWithPermit([relay.params.node, 7n, deadline, v, r, s], { account: operator.account }),
        registry,
        "StakeAdded",
        [getAddress(relay.params.node), getAddress(operator.account.address), 7n, MIN_STAKE + 7n],
      );
      assert.equal(await token.read.allowance([operator.account.address, registry.address]), 0n);
    });

    it("still works when the permit was front-run, and reverts without allowance when the permit is bad", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      await register(registry, relay);
      await token.write.approve([registry.address, 0n], { account: operator.account });
      const deadline = BigInt(await time.latest()) + 600n;
      const { v, r, s } = await signPermit({ owner: operator, token, spender: registry.address, value: 7n, deadline, chainId });
      // Someone submits the permit first: the registry's own permit call fails, the allowance is there.
      await token.write.permit([operator.account.address, registry.address, 7n, deadline, v, r, s], {
        account: stranger.account,
      });
      await registry.write.addStakeWithPermit([relay.params.node, 7n, deadline, v, r, s], { account: operator.account });
      assert.equal((await registry.read.getRelay([relay.params.node])).stake, MIN_STAKE + 7n);
      // Replaying the permit now fails, and there is no allowance left.
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.addStakeWithPermit([relay.params.node, 7n, deadline, v, r, s], { account: operator.account }),
        token,
        "ERC20InsufficientAllowance",
        [getAddress(registry.address), 0n, 7n],
      );
      // The registry's own checks still apply.
      await viem.assertions.revertWithCustomError(
        registry.write.addStakeWithPermit([relay.params.node, 0n, deadline, v, r, s], { account: operator.account }),
        registry,
        "RelayRegistryZeroAmount",
      );
    });
  });

  describe("updateRelay", () => {
    it("replaces the record with a new node signature and moves the onion key", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      await register(registry, relay);
      const updated = withParams(relay, {
        onionKey: onionKeyOf("rotated"),
        peerId: "0x1220aa",
        multiaddrs: ["/ip4/9.9.9.9/tcp/9"],
        fee: 99n,
      });
      await viem.assertions.emitWithArgs(update(registry, updated), registry, "RelayUpdated", [
        getAddress(relay.params.node),
        getAddress(operator.account.address),
        updated.params.onionKey,
        updated.params.peerId,
        updated.params.multiaddrs,
        99n,
      ]);
      const stored = await registry.read.getRelay([relay.params.node]);
      assert.deepEqual(
        [stored.onionKey, stored.peerId, stored.multiaddrs, stored.fee, stored.stake, stored.active],
        [updated.params.onionKey, "0x1220aa", ["/ip4/9.9.9.9/tcp/9"], 99n, MIN_STAKE, true],
      );
      assert.equal(await registry.read.nonces([relay.params.node]), 2n);
      assert.equal(await registry.read.nodeOfOnionKey([relay.params.onionKey]), zeroAddress);
      assert.equal(await registry.read.nodeOfOnionKey([updated.params.onionKey]), getAddress(relay.params.node));
      // The old key is free for another relay.
      await register(registry, withParams(makeRelay(2), { onionKey: relay.params.onionKey }), { from: operator2 });
      // Keeping the same onion key is fine.
      await update(registry, withParams(updated, { fee: 1n }));
      assert.equal(await registry.read.nodeOfOnionKey([updated.params.onionKey]), getAddress(relay.params.node));
    });

    it("reverts with UnknownRelay, UnauthorizedOperator, Unbonding, OnionKeyTaken and InvalidSignature", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      const node = getAddress(relay.params.node);
      await viem.assertions.revertWithCustomErrorWithArgs(update(registry, relay), registry, "RelayRegistryUnknownRelay", [
        node,
      ]);
      await register(registry, relay);
      const second = makeRelay(2);
      await register(registry, second, { from: operator2 });
      await viem.assertions.revertWithCustomErrorWithArgs(
        update(registry, relay, { from: operator2 }),
        registry,
        "RelayRegistryUnauthorizedOperator",
        [node, getAddress(operator.account.address), getAddress(operator2.account.address)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        update(registry, withParams(relay, { onionKey: second.params.onionKey })),
        registry,
        "RelayRegistryOnionKeyTaken",
        [second.params.onionKey, getAddress(second.params.node)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        update(registry, withParams(relay, { peerId: "0x" })),
        registry,
        "RelayRegistryInvalidPeerId",
        [0n, 64n],
      );
      // The binding signed for registration (nonce 0) cannot be replayed as an update.
      const o = await bindingOptions(registry, relay, operator, { nonce: 0n });
      const replay = await signBinding(relay, o);
      const signer = await recoverAddress({ hash: bindingDigest(relay.params, { ...o, nonce: 1n }), signature: replay });
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.updateRelay([relay.params, o.deadline, replay], { account: operator.account }),
        registry,
        "RelayRegistryInvalidSignature",
        [node, signer],
      );
      await registry.write.requestUnstake([node], { account: operator.account });
      const ends = (await registry.read.getRelay([node])).unbondingEnds;
      await viem.assertions.revertWithCustomErrorWithArgs(update(registry, relay), registry, "RelayRegistryUnbonding", [
        node,
        ends,
      ]);
    });
  });

  describe("requestUnstake, cancelUnstake and withdraw", () => {
    it("deactivates at once, unlocks after the delay, deletes the record and allows re-registration", async () => {
      const { token, registry } = await loadFixture(deployFixture);
      const relays = [makeRelay(1), makeRelay(2), makeRelay(3)];
      for (const relay of relays) await register(registry, relay);
      const [first, second, third] = relays as [TestRelay, TestRelay, TestRelay];
      const node = getAddress(first.params.node);

      const before = await token.read.balanceOf([operator.account.address]);
      const requestedAt = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(requestedAt);
      await viem.assertions.emitWithArgs(
        registry.write.requestUnstake([node], { account: operator.account }),
        registry,
        "UnstakeRequested",
        [node, getAddress(operator.account.address), MIN_STAKE, requestedAt + DELAY],
      );
      const unbonding = await registry.read.getRelay([node]);
      assert.equal(unbonding.active, false);
      assert.equal(unbonding.unbondingEnds, requestedAt + DELAY);
      assert.equal(await registry.read.isActive([node]), false);

      // One second early: refused. At the end of the delay: paid.
      await time.setNextBlockTimestamp(requestedAt + DELAY - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.withdraw([node], { account: operator.account }),
        registry,
        "RelayRegistryUnbondingNotOver",
        [node, requestedAt + DELAY],
      );
      await time.setNextBlockTimestamp(requestedAt + DELAY);
      await viem.assertions.emitWithArgs(
        registry.write.withdraw([node], { account: operator.account }),
        registry,
        "StakeWithdrawn",
        [node, getAddress(operator.account.address), MIN_STAKE],
      );
      assert.equal(await token.read.balanceOf([operator.account.address]), before + MIN_STAKE);
      assert.equal(await token.read.balanceOf([registry.address]), 2n * MIN_STAKE);
      assert.equal(await registry.read.relayCount(), 2n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.read.getRelay([node]),
        registry,
        "RelayRegistryUnknownRelay",
        [node],
      );
      assert.equal(await registry.read.nodeOfOnionKey([first.params.onionKey]), zeroAddress);
      // The last relay moved into the freed position.
      const page = await registry.read.getRelays([0n, 10n]);
      assert.deepEqual(
        page.map((r) => r.node),
        [getAddress(third.params.node), getAddress(second.params.node)],
      );

      // Re-registration (by any operator) needs a fresh node signature: the nonce moved on.
      assert.equal(await registry.read.nonces([node]), 1n);
      await register(registry, first, { from: operator2 });
      const again = await registry.read.getRelay([node]);
      assert.equal(again.operator, getAddress(operator2.account.address));
      assert.equal(again.active, true);
      assert.equal(await registry.read.relayCount(), 3n);
    });

    it("re-stakes with cancelUnstake", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      const node = getAddress(relay.params.node);
      await register(registry, relay);
      await registry.write.requestUnstake([node], { account: operator.account });
      await viem.assertions.emitWithArgs(
        registry.write.cancelUnstake([node], { account: operator.account }),
        registry,
        "UnstakeCancelled",
        [node, getAddress(operator.account.address), MIN_STAKE],
      );
      const info = await registry.read.getRelay([node]);
      assert.equal(info.active, true);
      assert.equal(info.unbondingEnds, 0n);
      await registry.write.addStake([node, 1n], { account: operator.account });
    });

    it("reverts with UnknownRelay, UnauthorizedOperator, Unbonding, NotUnbonding and UnbondingNotOver", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      const node = getAddress(relay.params.node);
      const op = getAddress(operator.account.address);
      const op2 = getAddress(operator2.account.address);
      for (const fn of ["requestUnstake", "cancelUnstake", "withdraw"] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          registry.write[fn]([node], { account: operator.account }),
          registry,
          "RelayRegistryUnknownRelay",
          [node],
        );
      }
      await register(registry, relay);
      for (const fn of ["requestUnstake", "cancelUnstake", "withdraw"] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          registry.write[fn]([node], { account: operator2.account }),
          registry,
          "RelayRegistryUnauthorizedOperator",
          [node, op, op2],
        );
      }
      for (const fn of ["cancelUnstake", "withdraw"] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          registry.write[fn]([node], { account: operator.account }),
          registry,
          "RelayRegistryNotUnbonding",
          [node],
        );
      }
      await registry.write.requestUnstake([node], { account: operator.account });
      const ends = (await registry.read.getRelay([node])).unbondingEnds;
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.requestUnstake([node], { account: operator.account }),
        registry,
        "RelayRegistryUnbonding",
        [node, ends],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.withdraw([node], { account: operator.account }),
        registry,
        "RelayRegistryUnbondingNotOver",
        [node, ends],
      );
    });
  });

  describe("views", () => {
    it("pages through the directory with getRelays", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relays = Array.from({ length: 5 }, (_, i) => makeRelay(i, BigInt(i)));
      for (const relay of relays) await register(registry, relay, { amount: MIN_STAKE + BigInt(i(relay)) });
      function i(relay: TestRelay) {
        return relays.indexOf(relay);
      }
      await registry.write.requestUnstake([relays[3]!.params.node], { account: operator.account });

      const all = await registry.read.getRelays([0n, 100n]);
      assert.equal(all.length, 5);
      all.forEach((info, index) => {
        const relay = relays[index]!;
        assert.equal(info.node, getAddress(relay.params.node));
        assert.equal(info.operator, getAddress(operator.account.address));
        assert.equal(info.onionKey, relay.params.onionKey);
        assert.equal(info.peerId, relay.params.peerId);
        assert.deepEqual(info.multiaddrs, relay.params.multiaddrs);
        assert.equal(info.fee, BigInt(index));
        assert.equal(info.stake, MIN_STAKE + BigInt(index));
        assert.equal(info.active, index !== 3);
        assert.equal(info.unbondingEnds === 0n, index !== 3);
      });
      for (const info of all) assert.deepEqual(await registry.read.getRelay([info.node]), info);
      const pages = [
        await registry.read.getRelays([0n, 2n]),
        await registry.read.getRelays([2n, 2n]),
        await registry.read.getRelays([4n, 2n]),
      ];
      assert.deepEqual(pages.flat(), all);
      assert.deepEqual(await registry.read.getRelays([5n, 2n]), []);
      assert.deepEqual(await registry.read.getRelays([maxUint256, maxUint256]), []);
      assert.deepEqual(await registry.read.getRelays([1n, 0n]), []);
      assert.deepEqual(await registry.read.getRelays([3n, maxUint256]), all.slice(3));
    });

    it("answers isActive, nodeOfOnionKey and getRelay for unknown inputs", async () => {
      const { registry } = await loadFixture(deployFixture);
      const relay = makeRelay(1);
      assert.equal(await registry.read.isActive([relay.params.node]), false);
      assert.equal(await registry.read.nodeOfOnionKey([relay.params.onionKey]), zeroAddress);
      await register(registry, relay);
      const key = relay.params.onionKey;
      const negated = concat([key.startsWith("0x02") ? "0x03" : "0x02", `0x${key.slice(4)}`]);
      assert.equal(await registry.read.nodeOfOnionKey([negated]), zeroAddress);
      assert.equal(await registry.read.nodeOfOnionKey([key.slice(0, 66) as Hex]), zeroAddress);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.read.getRelay([zeroAddress]),
        registry,
        "RelayRegistryUnknownRelay",
        [zeroAddress],
      );
    });

    it("reads a directory of 200 relays in one call", async () => {
      const { registry } = await loadFixture(deployFixture);
      for (let i = 0; i < 200; i++) await register(registry, makeRelay(`dir-${i}`));
      const page = await registry.read.getRelays([0n, 200n]);
      assert.equal(page.length, 200);
      assert.ok(page.every((info) => info.active));
    });
  });
});
