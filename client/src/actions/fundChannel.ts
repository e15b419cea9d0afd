import type { Address, Hex } from "viem";
import { fundChannel as fundOnChain, type sendContractTransaction, type SottoWalletClient } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import { ChannelStateError, InvalidArgumentError, RelayNotFoundError, WalletRequiredError, type ChannelStateErrorType, type ClientClosedErrorType, type InvalidArgumentErrorType, type RelayNotFoundErrorType, type WalletRequiredErrorType } from "../errors.ts";
import { getState, type ClientState } from "../internal/state.ts";
import { channelInfo, type ChannelInfo } from "./getChannels.ts";

export type FundChannelParameters = {
  /** The relay to pay (its node address, from `getRelays`). */
  relay: Address;
  /** Token base units to add. */
  amount: bigint;
  /** Use an ERC-2612 permit signature instead of an `approve` transaction (one transaction instead of two). */
  permit?: boolean | undefined;
  /** Permit validity. Default 1 hour. */
  permitTtlSeconds?: number | undefined;
};
export type FundChannelReturnType = {
  transactionHash: Hex;
  gasUsed: bigint;
  /** The channel after funding. */
  channel: ChannelInfo;
};
export type FundChannelErrorType = WalletRequiredErrorType | RelayNotFoundErrorType | ChannelStateErrorType | InvalidArgumentErrorType | ClientClosedErrorType | Error;

/**
 * Opens the wallet's channel to `relay`, or tops it up (PaymentChannels `fund`, or `fundWithPermit` with an
 * ERC-2612 permit). Waits for the transaction; the ledger follows the new balance.
 *
 * @param client - A client from `createSottoClient` with a `wallet` holding tokens and gas.
 * @param parameters - {@link FundChannelParameters}
 * @returns The transaction and the channel after it. {@link FundChannelReturnType}
 *
 * @example
 * const [relay] = await getRelays(client, { activeOnly: true });
 * await fundChannel(client, { relay: relay.node, amount: 1_000n, permit: true });
 */
export async function fundChannel(client: object, parameters: FundChannelParameters): Promise<FundChannelReturnType> {
  const state = getState(client);
  const wallet = (client as { wallet?: SottoWalletClient }).wallet;
  if (!wallet || !state.book) throw new WalletRequiredError({ operation: "Funding a channel" });
  const { relay, amount } = parameters;
  if (typeof amount !== "bigint" || amount <= 0n) throw new InvalidArgumentError({ parameter: "amount", reason: "must be a positive bigint (token base units)" });
  const info = await state.directory.byNode(relay);
  if (!info) throw new RelayNotFoundError({ relay });
  if (!info.active) throw new RelayNotFoundError({ relay, reason: "is not active (unstaking or below the minimum stake)" });
  const before = await state.book.sync(info.node);
  if (before.status === "closing") {
    throw new ChannelStateError({ payee: info.node, reason: "it is closing", hint: "Finalize the close after the notice period (closeChannel / finalizeClose), then fund again." });
  }
  const publicClient = (client as { publicClient: Parameters<typeof sendContractTransaction>[0] }).publicClient;
  const token = await tokenOf(state, publicClient);
  const permit = parameters.permit ? { deadline: BigInt(Math.floor(Date.now() / 1000) + (parameters.permitTtlSeconds ?? 3600)) } : undefined;
  const funded = await fundOnChain(publicClient, wallet, { contracts: { ...state.contracts, token }, payee: info.node, amount, permit });
  const record = await state.book.sync(info.node);
  return { transactionHash: funded.transactionHash, gasUsed: funded.gasUsed, channel: channelInfo(state, record) };
}

/** The payment token (from the deployment, else read from PaymentChannels once). */
export async function tokenOf(state: ClientState, publicClient: Parameters<typeof sendContractTransaction>[0]): Promise<Address> {
  state.contracts.token ??= (await publicClient.readContract({ address: state.contracts.channels, abi: paymentChannelsAbi, functionName: "token" })) as Address;
  return state.contracts.token;
}
