import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import {
  concat,
  encodeErrorResult,
  getAddress,
  maxUint256,
  parseEther,
  parseEventLogs,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { channelIdOf, hashTicket, ticketDomain, ZERO_CHALLENGE, type Ticket } from "./helpers/eip712.ts";
import { signPermit } from "./helpers/permit.ts";
import { deployChannels, deployToken, walletClients, type PaymentChannelsContract } from "./helpers/contracts.ts";
import { makeRedemption, nextResponse, recoveredSigner, type Redemption, type RedemptionOptions } from "./helpers/tickets.ts";

const { viem, networkHelpers } = await network.create();
const { time, loadFixture } = networkHelpers;
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
const [payer, payer2, payer3, payee, payee2, stranger] = await walletClients(viem, [1, 2, 3, 4, 5, 6]);

const NOTICE = 24n * 3600n;
const MAX_CHANNEL_AMOUNT = 2n ** 112n - 1n;
const FUNDS = parseEther("1000");

async function deployFixture() {
  const token = await deployToken(viem);
  const channels = await deployChannels(viem, [token.address, NOTICE]);
  for (const wallet of [payer, payer2, payer3, stranger]) {
    await token.write.mint([wallet.account.address, FUNDS * 10n]);
    await token.write.approve([channels.address, maxUint256], { account: wallet.account });
  }
  return { token, channels };
}

/** One funded channel payer → payee. */
async function fundedFixture() {
  const deployed = await deployFixture();
  await deployed.channels.write.fund([payee.account.address, FUNDS], { account: payer.account });
  return deployed;
}

type Channels = PaymentChannelsContract;
type Wallet = typeof payer;

function redemption(channels: Channels, o: Omit<RedemptionOptions, "chainId" | "channels" | "payer" | "payee"> & { payer?: Wallet; payee?: Address }) {
  return makeRedemption({ chainId, channels: channels.address, payer: o.payer ?? payer, payee: o.payee ?? payee.account.address, ...o });
}

const idOf = (from: Wallet, to: Wallet) => channelIdOf(from.account.address, to.account.address);

function skippedReason(channels: Channels, errorName: string, args: readonly unknown[]): Hex {
  return encodeErrorResult({ abi: channels.abi, errorName, args } as Parameters<typeof encodeErrorResult>[0]);
}

describe("PaymentChannels", () => {
  describe("constructor", () => {
    it("stores the token and notice period", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      assert.equal(await channels.read.token(), getAddress(token.address));
      assert.equal(await channels.read.noticePeriod(), NOTICE);
      assert.equal(await channels.read.MAX_CHANNEL_AMOUNT(), MAX_CHANNEL_AMOUNT);
      const [, name, version, domainChainId, verifyingContract] = await channels.read.eip712Domain();
      assert.deepEqual([name, version, Number(domainChainId), verifyingContract], [
        "Sotto PaymentChannels",
        "1",
        chainId,
        getAddress(channels.address),
      ]);
    });

    it("rejects the zero token and a zero notice period", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("PaymentChannels", [zeroAddress, NOTICE]),
        channels,
        "PaymentChannelsInvalidToken",
        [zeroAddress],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("PaymentChannels", [token.address, 0n]),
        channels,
        "PaymentChannelsInvalidNoticePeriod",
        [0n],
      );
    });
  });

  describe("channelId and hashTicket", () => {
    it("match keccak256(abi.encode(payer, payee)) and viem's hashTypedData of the Ticket type", async () => {
      const { channels } = await loadFixture(deployFixture);
      const id = await channels.read.channelId([payer.account.address, payee.account.address]);
      assert.equal(id, idOf(payer, payee));
      assert.notEqual(id, idOf(payee, payer));
      const tickets: Ticket[] = [
        { channelId: id, epoch: 0n, cumulative: 1n, index: 0n, challenge: ZERO_CHALLENGE },
        { channelId: id, epoch: 3n, cumulative: 12_345n, index: 77n, challenge: nextResponse() },
        {
          channelId: `0x${"ff".repeat(32)}`,
          epoch: 2n ** 64n - 1n,
          cumulative: 2n ** 128n - 1n,
          index: 2n ** 64n - 1n,
          challenge: `0x${"ff".repeat(32)}`,
        },
      ];
      for (const t of tickets) {
        assert.equal(
          await channels.read.hashTicket([t.channelId, t.epoch, t.cumulative, t.index, t.challenge]),
          hashTicket(ticketDomain(chainId, channels.address), t),
        );
      }
    });
  });

  describe("fund", () => {
    it("opens a channel, then tops it up", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      const id = idOf(payer, payee);
      await viem.assertions.emitWithArgs(
        channels.write.fund([payee.account.address, 100n], { account: payer.account }),
        channels,
        "ChannelFunded",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, 100n, 100n],
      );
      assert.deepEqual(await channels.read.getChannel([payer.account.address, payee.account.address]), {
        balance: 100n,
        settled: 0n,
        epoch: 0n,
        closesAt: 0n,
        status: 1,
      });
      await viem.assertions.emitWithArgs(
        channels.write.fund([payee.account.address, 50n], { account: payer.account }),
        channels,
        "ChannelFunded",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, 50n, 150n],
      );
      assert.equal((await channels.read.getChannel([payer.account.address, payee.account.address])).balance, 150n);
      assert.equal(await token.read.balanceOf([channels.address]), 150n);
      // A never-funded channel.
      assert.deepEqual(await channels.read.getChannel([payee.account.address, payer.account.address]), {
        balance: 0n,
        settled: 0n,
        epoch: 0n,
        closesAt: 0n,
        status: 0,
      });
    });

    it("reverts with ZeroAmount, InvalidPayee, ChannelClosing and AmountOverflow", async () => {
      const { token, channels } = await loadFixture(fundedFixture);
      const id = idOf(payer, payee);
      await viem.assertions.revertWithCustomError(
        channels.write.fund([payee.account.address, 0n], { account: payer.account }),
        channels,
        "PaymentChannelsZeroAmount",
      );
      for (const to of [zeroAddress, getAddress(payer.account.address)]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          channels.write.fund([to, 1n], { account: payer.account }),
          channels,
          "PaymentChannelsInvalidPayee",
          [to],
        );
      }
      // balance + settled + amount must stay within 2^112 - 1, also after redemptions.
      await token.write.mint([payer.account.address, MAX_CHANNEL_AMOUNT]);
      await channels.write.fund([payee.account.address, MAX_CHANNEL_AMOUNT - FUNDS], { account: payer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.fund([payee.account.address, 1n], { account: payer.account }),
        channels,
        "PaymentChannelsAmountOverflow",
        [id, MAX_CHANNEL_AMOUNT + 1n, MAX_CHANNEL_AMOUNT],
      );
      await channels.write.redeem([await redemption(channels, { cumulative: 10n })]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.fund([payee.account.address, 1n], { account: payer.account }),
        channels,
        "PaymentChannelsAmountOverflow",
        [id, MAX_CHANNEL_AMOUNT + 1n, MAX_CHANNEL_AMOUNT],
      );
      await channels.write.initiateClose([payee.account.address], { account: payer.account });
      const { closesAt } = await channels.read.getChannel([payer.account.address, payee.account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.fund([payee.account.address, 1n], { account: payer.account }),
        channels,
        "PaymentChannelsChannelClosing",
        [id, closesAt],
      );
    });

    it("reverts when the token cannot be pulled", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      await token.write.approve([channels.address, 5n], { account: payer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.fund([payee.account.address, 6n], { account: payer.account }),
        token,
        "ERC20InsufficientAllowance",
        [getAddress(channels.address), 5n, 6n],
      );
    });
  });

  describe("fundWithPermit", () => {
    it("funds with a permit, also when the permit was front-run", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      await token.write.approve([channels.address, 0n], { account: payer.account });
      const deadline = BigInt(await time.latest()) + 600n;
      const first = await signPermit({ owner: payer, token, spender: channels.address, value: 40n, deadline, chainId });
      await viem.assertions.emitWithArgs(
        channels.write.fundWithPermit([payee.account.address, 40n, deadline, first.v, first.r, first.s], {
          account: payer.account,
        }),
        channels,
        "ChannelFunded",
        [idOf(payer, payee), getAddress(payer.account.address), getAddress(payee.account.address), 0n, 40n, 40n],
      );
      const second = await signPermit({ owner: payer, token, spender: channels.address, value: 2n, deadline, chainId });
      await token.write.permit([payer.account.address, channels.address, 2n, deadline, second.v, second.r, second.s], {
        account: stranger.account,
      });
      await channels.write.fundWithPermit([payee.account.address, 2n, deadline, second.v, second.r, second.s], {
        account: payer.account,
      });
      assert.equal((await channels.read.getChannel([payer.account.address, payee.account.address])).balance, 42n);
      assert.equal(await token.read.allowance([payer.account.address, channels.address]), 0n);
    });

    it("reverts without allowance when the permit is invalid, and keeps fund's checks", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      await token.write.approve([channels.address, 0n], { account: payer.account });
      const deadline = BigInt(await time.latest()) + 600n;
      const permit = await signPermit({ owner: payer2, token, spender: channels.address, value: 40n, deadline, chainId });
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.fundWithPermit([payee.account.address, 40n, deadline, permit.v, permit.r, permit.s], {
          account: payer.account,
        }),
        token,
        "ERC20InsufficientAllowance",
        [getAddress(channels.address), 0n, 40n],
      );
      await viem.assertions.revertWithCustomError(
        channels.write.fundWithPermit([payee.account.address, 0n, deadline, permit.v, permit.r, permit.s], {
          account: payer.account,
        }),
        channels,
        "PaymentChannelsZeroAmount",
      );
    });
  });

  describe("redeem", () => {
    it("pays an unconditional voucher and a conditional ticket to the payee, whoever submits", async () => {
      const { token, channels } = await loadFixture(fundedFixture);
      const id = idOf(payer, payee);
      const voucher = await redemption(channels, { cumulative: 10n, response: null });
      assert.equal(voucher.challenge, ZERO_CHALLENGE);
      assert.equal((await channels.simulate.redeem([voucher], { account: payee.account.address })).result, 10n);
      await viem.assertions.emitWithArgs(
        channels.write.redeem([voucher], { account: payee.account }),
        channels,
        "TicketRedeemed",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, 10n, 10n],
      );
      // A conditional ticket for a higher cumulative pays the difference, even when a stranger submits it.
      const conditional = await redemption(channels, { cumulative: 25n, index: 1n });
      await viem.assertions.emitWithArgs(
        channels.write.redeem([conditional], { account: stranger.account }),
        channels,
        "TicketRedeemed",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, 25n, 15n],
      );
      assert.equal(await token.read.balanceOf([payee.account.address]), 25n);
      assert.equal(await token.read.balanceOf([stranger.account.address]), FUNDS * 10n);
      assert.deepEqual(await channels.read.getChannel([payer.account.address, payee.account.address]), {
        balance: FUNDS - 25n,
        settled: 25n,
        epoch: 0n,
        closesAt: 0n,
        status: 1,
      });
      // Exactly the remaining balance.
      await channels.write.redeem([await redemption(channels, { cumulative: FUNDS })], { account: payee.account });
      const drained = await channels.read.getChannel([payer.account.address, payee.account.address]);
      assert.deepEqual([drained.balance, drained.settled, drained.status], [0n, FUNDS, 1]);
      assert.equal(await token.read.balanceOf([channels.address]), 0n);
    });

    it("redeems tickets signed by a local viem account", async () => {
      const { token, channels } = await loadFixture(deployFixture);
      const local = privateKeyToAccount(`0x${"42".repeat(32)}`);
      await networkHelpers.setBalance(local.address, parseEther("1"));
      await token.write.mint([local.address, 100n]);
      await token.write.approve([channels.address, 100n], { account: local });
      await channels.write.fund([payee.account.address, 100n], { account: local });
      const r = await makeRedemption({ chainId, channels: channels.address, payer: local, payee: payee.account.address, cumulative: 60n });
      await channels.write.redeem([r], { account: payee.account });
      assert.equal(await token.read.balanceOf([payee.account.address]), 60n);
    });

    it("reverts with EpochMismatch, ChannelNotOpen, StaleTicket, InsufficientBalance and InvalidResponse", async () => {
      const { channels } = await loadFixture(fundedFixture);
      const id = idOf(payer, payee);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.redeem([await redemption(channels, { cumulative: 1n, epoch: 1n })]),
        channels,
        "PaymentChannelsEpochMismatch",
        [id, 1n, 0n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.redeem([await redemption(channels, { cumulative: 1n, payee: payee2.account.address })]),
        channels,
        "PaymentChannelsChannelNotOpen",
        [idOf(payer, payee2)],
      );
      const paid = await redemption(channels, { cumulative: 30n });
      await channels.write.redeem([paid]);
      // Double redemption of the same ticket, and an older (lower) ticket.
      await viem.assertions.revertWithCustomErrorWithArgs(channels.write.redeem([paid]), channels, "PaymentChannelsStaleTicket", [
        id,
        30n,
        30n,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.redeem([await redemption(channels, { cumulative: 29n })]),
        channels,
        "PaymentChannelsStaleTicket",
        [id, 29n, 30n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.redeem([await redemption(channels, { cumulative: FUNDS + 31n })]),
        channels,
        "PaymentChannelsInsufficientBalance",
        [id, FUNDS + 1n, FUNDS - 30n],
      );
      const ticket = await redemption(channels, { cumulative: 40n });
      const wrong = nextResponse();
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.redeem([{ ...ticket, response: wrong }]),
        channels,
        "PaymentChannelsInvalidResponse",
        [id, ticket.challenge, wrong],
      );
    });

    it("reverts with InvalidSignature for another signer, chain, deployment, channel or altered fields", async () => {
      const { token, channels } = await loadFixture(fundedFixture);
      const other = await deployChannels(viem, [token.address, NOTICE]);
      await token.write.approve([other.address, maxUint256], { account: payer.account });
      await other.write.fund([payee.account.address, FUNDS], { account: payer.account });
      await channels.write.fund([payee2.account.address, FUNDS], { account: payer.account });
      const id = idOf(payer, payee);
      const response = nextResponse();
      const forged: [string, Redemption][] = [
        ["signed by another account", await redemption(channels, { cumulative: 5n, signer: payer2 })],
        ["signed by the payee", await redemption(channels, { cumulative: 5n, signer: payee })],
        ["another chain id", await redemption(channels, { cumulative: 5n, domain: ticketDomain(1, channels.address) })],
        ["another deployment", await redemption(channels, { cumulative: 5n, domain: ticketDomain(chainId, other.address) })],
        ["another channel", await redemption(channels, { cumulative: 5n, signed: { channelId: idOf(payer, payee2) } })],
        ["altered cumulative", await redemption(channels, { cumulative: 500n, signed: { cumulative: 5n } })],
        ["altered index", await redemption(channels, { cumulative: 5n, index: 1n, signed: { index: 2n } })],
        ["altered challenge", await redemption(channels, { cumulative: 5n, response, signed: { challenge: ZERO_CHALLENGE } })],
      ];
      for (const [label, r] of forged) {
        const signer = await recoveredSigner(chainId, channels.address, r);
        assert.notEqual(signer, getAddress(payer.account.address), label);
        await viem.assertions
          .revertWithCustomErrorWithArgs(channels.write.redeem([r]), channels, "PaymentChannelsInvalidSignature", [id, signer])
          .catch((e: unknown) => {
            throw new Error(`${label}: ${String(e)}`);
          });
      }
      // The ticket signed for the other deployment is valid there, and only there.
      await other.write.redeem([forged[3]![1]]);
      // Malformed and high-s signatures recover nothing.
      const valid = await redemption(channels, { cumulative: 5n });
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt(`0x${valid.signature.slice(66, 130)}`);
      const v = Number.parseInt(valid.signature.slice(130), 16);
      const highS = concat([
        valid.signature.slice(0, 66) as Hex,
        `0x${(n - s).toString(16).padStart(64, "0")}`,
        v === 27 ? "0x1c" : "0x1b",
      ]);
      for (const signature of [valid.signature.slice(0, 130) as Hex, "0x" as Hex, highS]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          channels.write.redeem([{ ...valid, signature }]),
          channels,
          "PaymentChannelsInvalidSignature",
          [id, zeroAddress],
        );
      }
      await channels.write.redeem([valid]);
    });
  });

  describe("redeemMany", () => {
    async function manyFixture() {
      const deployed = await deployFixture();
      for (const from of [payer, payer2, payer3]) {
        for (const to of [payee, payee2]) {
          await deployed.channels.write.fund([to.account.address, FUNDS], { account: from.account });
        }
      }
      return deployed;
    }

    it("settles many channels and pays each payee with one transfer per consecutive run", async () => {
      const { token, channels } = await loadFixture(manyFixture);
      const batch: Redemption[] = [];
      for (const to of [payee, payee2]) {
        for (const [i, from] of [payer, payer2, payer3].entries()) {
          batch.push(await redemption(channels, { payer: from, payee: to.account.address, cumulative: BigInt(10 * (i + 1)) }));
        }
      }
      const { result } = await channels.simulate.redeemMany([batch], { account: payee.account.address });
      assert.deepEqual(result, [10n, 20n, 30n, 10n, 20n, 30n]);
      const hash = await channels.write.redeemMany([batch], { account: payee.account });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const transfers = parseEventLogs({ abi: token.abi, eventName: "Transfer", logs: receipt.logs });
      assert.deepEqual(
        transfers.map((t) => [t.args.from, t.args.to, t.args.value]),
        [
          [getAddress(channels.address), getAddress(payee.account.address), 60n],
          [getAddress(channels.address), getAddress(payee2.account.address), 60n],
        ],
      );
      const redeemed = parseEventLogs({ abi: channels.abi, eventName: "TicketRedeemed", logs: receipt.logs });
      assert.equal(redeemed.length, 6);
      assert.equal(await token.read.balanceOf([payee.account.address]), 60n);
      assert.equal(await token.read.balanceOf([payee2.account.address]), 60n);
      assert.equal((await channels.read.getChannel([payer3.account.address, payee2.account.address])).settled, 30n);
    });

    it("skips bad entries with RedemptionSkipped carrying the error, and pays the rest", async () => {
      const { token, channels } = await loadFixture(manyFixture);
      const good1 = await redemption(channels, { payer, cumulative: 10n });
      const good2 = await redemption(channels, { payer: payer2, cumulative: 20n });
      const lateEpoch = await redemption(channels, { payer: payer3, cumulative: 5n, epoch: 4n });
      const forged = await redemption(channels, { payer: payer3, cumulative: 5n, signer: stranger });
      const tooMuch = await redemption(channels, { payer: payer3, cumulative: FUNDS + 1n });
      const wrongResponse = { ...(await redemption(channels, { payer: payer3, cumulative: 7n })), response: nextResponse() };
      const notOpen = await redemption(channels, { payer: stranger, cumulative: 5n });
      const batch = [good1, lateEpoch, good1, forged, tooMuch, wrongResponse, notOpen, good2];
      const id3 = idOf(payer3, payee);
      const expected: [number, Hex, Hex][] = [
        [1, id3, skippedReason(channels, "PaymentChannelsEpochMismatch", [id3, 4n, 0n])],
        [2, idOf(payer, payee), skippedReason(channels, "PaymentChannelsStaleTicket", [idOf(payer, payee), 10n, 10n])],
        [
          3,
          id3,
          skippedReason(channels, "PaymentChannelsInvalidSignature", [id3, await recoveredSigner(chainId, channels.address, forged)]),
        ],
        [4, id3, skippedReason(channels, "PaymentChannelsInsufficientBalance", [id3, FUNDS + 1n, FUNDS])],
        [
          5,
          id3,
          skippedReason(channels, "PaymentChannelsInvalidResponse", [id3, wrongResponse.challenge, wrongResponse.response]),
        ],
        [6, idOf(stranger, payee), skippedReason(channels, "PaymentChannelsChannelNotOpen", [idOf(stranger, payee)])],
      ];
      const { result } = await channels.simulate.redeemMany([batch]);
      assert.deepEqual(result, [10n, 0n, 0n, 0n, 0n, 0n, 0n, 20n]);
      const hash = await channels.write.redeemMany([batch]);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const skipped = parseEventLogs({ abi: channels.abi, eventName: "RedemptionSkipped", logs: receipt.logs });
      assert.deepEqual(
        skipped.map((e) => [Number(e.args.position), e.args.channelId, e.args.reason]),
        expected,
      );
      assert.ok(skipped.every((e) => e.args.payee === getAddress(payee.account.address)));
      const transfers = parseEventLogs({ abi: token.abi, eventName: "Transfer", logs: receipt.logs });
      assert.equal(transfers.length, 1);
      assert.equal(await token.read.balanceOf([payee.account.address]), 30n);
      await viem.assertions.emitWithArgs(channels.write.redeemMany([[good1]]), channels, "RedemptionSkipped", [
        idOf(payer, payee),
        getAddress(payee.account.address),
        0n,
        skippedReason(channels, "PaymentChannelsStaleTicket", [idOf(payer, payee), 10n, 10n]),
      ]);
    });

    it("applies entries of one channel in order and handles unsorted payees and empty batches", async () => {
      const { token, channels } = await loadFixture(manyFixture);
      const a1 = await redemption(channels, { payer, payee: payee.account.address, cumulative: 10n });
      const b = await redemption(channels, { payer, payee: payee2.account.address, cumulative: 7n });
      const a2 = await redemption(channels, { payer, payee: payee.account.address, cumulative: 25n });
      const hash = await channels.write.redeemMany([[a1, b, a2]]);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const transfers = parseEventLogs({ abi: token.abi, eventName: "Transfer", logs: receipt.logs });
      assert.deepEqual(
        transfers.map((t) => t.args.value),
        [10n, 7n, 15n],
      );
      assert.equal(await token.read.balanceOf([payee.account.address]), 25n);
      assert.equal((await channels.simulate.redeemMany([[]])).result.length, 0);
      const empty = await publicClient.waitForTransactionReceipt({ hash: await channels.write.redeemMany([[]]) });
      assert.equal(empty.logs.length, 0);
      // A batch where everything is skipped transfers nothing.
      const none = await channels.write.redeemMany([[a1, a2]]);
      const noneReceipt = await publicClient.waitForTransactionReceipt({ hash: none });
      assert.equal(parseEventLogs({ abi: token.abi, eventName: "Transfer", logs: noneReceipt.logs }).length, 0);
    });
  });

  describe("closing", () => {
    it("initiateClose → notice (redemption still possible) → finalizeClose refunds and advances the epoch", async () => {
      const { token, channels } = await loadFixture(fundedFixture);
      const id = idOf(payer, payee);
      const old = await redemption(channels, { cumulative: 400n });
      const start = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(start);
      await viem.assertions.emitWithArgs(
        channels.write.initiateClose([payee.account.address], { account: payer.account }),
        channels,
        "ChannelCloseInitiated",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, start + NOTICE],
      );
      assert.deepEqual(await channels.read.getChannel([payer.account.address, payee.account.address]), {
        balance: FUNDS,
        settled: 0n,
        epoch: 0n,
        closesAt: start + NOTICE,
        status: 2,
      });
      // The payee redeems its best ticket during the notice period.
      await channels.write.redeem([await redemption(channels, { cumulative: 300n })]);
      await time.setNextBlockTimestamp(start + NOTICE - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.finalizeClose([payee.account.address], { account: payer.account }),
        channels,
        "PaymentChannelsNoticePeriodNotOver",
        [id, start + NOTICE],
      );
      const before = await token.read.balanceOf([payer.account.address]);
      await time.setNextBlockTimestamp(start + NOTICE);
      await viem.assertions.emitWithArgs(
        channels.write.finalizeClose([payee.account.address], { account: payer.account }),
        channels,
        "ChannelClosed",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, FUNDS - 300n],
      );
      assert.equal(await token.read.balanceOf([payer.account.address]), before + FUNDS - 300n);
      assert.equal(await token.read.balanceOf([channels.address]), 0n);
      assert.deepEqual(await channels.read.getChannel([payer.account.address, payee.account.address]), {
        balance: 0n,
        settled: 0n,
        epoch: 1n,
        closesAt: 0n,
        status: 0,
      });
      // Old-epoch tickets are dead, also after the channel is funded again.
      await viem.assertions.revertWithCustomErrorWithArgs(channels.write.redeem([old]), channels, "PaymentChannelsEpochMismatch", [
        id,
        0n,
        1n,
      ]);
      await viem.assertions.emitWithArgs(
        channels.write.fund([payee.account.address, 100n], { account: payer.account }),
        channels,
        "ChannelFunded",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 1n, 100n, 100n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(channels.write.redeem([old]), channels, "PaymentChannelsEpochMismatch", [
        id,
        0n,
        1n,
      ]);
      // New-epoch tickets count from zero again.
      await channels.write.redeem([await redemption(channels, { cumulative: 60n, epoch: 1n })]);
      assert.equal((await channels.read.getChannel([payer.account.address, payee.account.address])).settled, 60n);
    });

    it("finalizes a drained channel without a transfer", async () => {
      const { token, channels } = await loadFixture(fundedFixture);
      await channels.write.redeem([await redemption(channels, { cumulative: FUNDS })]);
      await channels.write.initiateClose([payee.account.address], { account: payer.account });
      await time.increase(Number(NOTICE));
      assert.equal((await channels.simulate.finalizeClose([payee.account.address], { account: payer.account.address })).result, 0n);
      const hash = await channels.write.finalizeClose([payee.account.address], { account: payer.account });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      assert.equal(parseEventLogs({ abi: token.abi, eventName: "Transfer", logs: receipt.logs }).length, 0);
      assert.equal((await channels.read.getChannel([payer.account.address, payee.account.address])).epoch, 1n);
    });

    it("reverts initiateClose with ChannelNotOpen and ChannelClosing, finalizeClose with NotClosing", async () => {
      const { channels } = await loadFixture(fundedFixture);
      const id = idOf(payer, payee);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.initiateClose([payee2.account.address], { account: payer.account }),
        channels,
        "PaymentChannelsChannelNotOpen",
        [idOf(payer, payee2)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.finalizeClose([payee.account.address], { account: payer.account }),
        channels,
        "PaymentChannelsNotClosing",
        [id],
      );
      await channels.write.initiateClose([payee.account.address], { account: payer.account });
      const { closesAt } = await channels.read.getChannel([payer.account.address, payee.account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.initiateClose([payee.account.address], { account: payer.account }),
        channels,
        "PaymentChannelsChannelClosing",
        [id, closesAt],
      );
      // Only the payer's own channel is affected: the payee cannot finalize it as a "payer".
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.finalizeClose([payer.account.address], { account: payee.account }),
        channels,
        "PaymentChannelsNotClosing",
        [idOf(payee, payer)],
      );
    });

    it("closeIncoming: the payee closes at once, also during the notice period", async () => {
      const { token, channels } = await loadFixture(fundedFixture);
      const id = idOf(payer, payee);
      const ticket = await redemption(channels, { cumulative: 70n });
      await channels.write.redeem([await redemption(channels, { cumulative: 50n })]);
      assert.equal(
        (await channels.simulate.closeIncoming([payer.account.address], { account: payee.account.address })).result,
        FUNDS - 50n,
      );
      const before = await token.read.balanceOf([payer.account.address]);
      await viem.assertions.emitWithArgs(
        channels.write.closeIncoming([payer.account.address], { account: payee.account }),
        channels,
        "ChannelClosed",
        [id, getAddress(payer.account.address), getAddress(payee.account.address), 0n, FUNDS - 50n],
      );
      assert.equal(await token.read.balanceOf([payer.account.address]), before + FUNDS - 50n);
      await viem.assertions.revertWithCustomErrorWithArgs(channels.write.redeem([ticket]), channels, "PaymentChannelsEpochMismatch", [
        id,
        0n,
        1n,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.closeIncoming([payer.account.address], { account: payee.account }),
        channels,
        "PaymentChannelsChannelNotOpen",
        [id],
      );
      // During a payer's notice period.
      await channels.write.fund([payee.account.address, 10n], { account: payer.account });
      await channels.write.initiateClose([payee.account.address], { account: payer.account });
      await channels.write.closeIncoming([payer.account.address], { account: payee.account });
      assert.deepEqual(await channels.read.getChannel([payer.account.address, payee.account.address]), {
        balance: 0n,
        settled: 0n,
        epoch: 2n,
        closesAt: 0n,
        status: 0,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        channels.write.finalizeClose([payee.account.address], { account: payer.account }),
        channels,
        "PaymentChannelsNotClosing",
        [id],
      );
    });
  });
});
