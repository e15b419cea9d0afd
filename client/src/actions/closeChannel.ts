import type { Address, Hex } from "viem";
import { sendContractTransaction, type SottoWalletClient } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import { ChannelStateError, WalletRequiredError, type ChannelStateErrorType, type ClientClosedErrorType, type WalletRequiredErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import { channelInfo, type ChannelInfo } from "./getChannels.ts";

export type CloseChannelParameters = {
  /** The payee relay's node address. */
  relay: Address;
};
export type CloseChannelReturnType = {
  transactionHash: Hex;
  /** Unix seconds from which `finalizeClose` returns the balance. */
  closesAt: bigint;
  channel: ChannelInfo;
};
export type CloseChannelErrorType = WalletRequiredErrorType | ChannelStateErrorType | ClientClosedErrorType | Error;

/**
 * Announces the closure of the wallet's channel to `relay` (PaymentChannels `initiateClose`). The relay
 * can still redeem its tickets during the notice period; then `finalizeClose` returns the rest.
 *
 * @param client - A client from `createSottoClient` with a `wallet`.
 * @param parameters - {@link CloseChannelParameters}
 * @returns {@link CloseChannelReturnType}
 *
 * @example
 * const { closesAt } = await closeChannel(client, { relay: "0x…" });
 */
export async function closeChannel(client: object, parameters: CloseChannelParameters): Promise<CloseChannelReturnType> {
  const state = getState(client);
  const wallet = (client as { wallet?: SottoWalletClient }).wallet;
  if (!wallet || !state.book) throw new WalletRequiredError({ operation: "Closing a channel" });
  const before = await state.book.sync(parameters.relay);
  if (before.status !== "open") throw new ChannelStateError({ payee: parameters.relay, reason: before.status === "closing" ? "it is already closing" : "there is no open channel", hint: before.status === "closing" ? "Finalize it once the notice period is over (finalizeClose / `sotto channel close --finalize`)." : undefined });
  const publicClient = (client as { publicClient: Parameters<typeof sendContractTransaction>[0] }).publicClient;
  const receipt = await sendContractTransaction(publicClient, wallet, { address: state.contracts.channels, abi: paymentChannelsAbi, functionName: "initiateClose", args: [parameters.relay] });
  const record = await state.book.sync(parameters.relay);
  return { transactionHash: receipt.transactionHash, closesAt: record.closesAt, channel: channelInfo(state, record) };
}
