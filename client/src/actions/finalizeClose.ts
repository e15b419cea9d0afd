import { parseEventLogs, type Address, type Hex } from "viem";
import { sendContractTransaction, type SottoWalletClient } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import { ChannelStateError, WalletRequiredError, type ChannelStateErrorType, type ClientClosedErrorType, type WalletRequiredErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import { channelInfo, type ChannelInfo } from "./getChannels.ts";

export type FinalizeCloseParameters = {
  /** The payee relay's node address. */
  relay: Address;
};
export type FinalizeCloseReturnType = {
  transactionHash: Hex;
  /** What came back to the wallet. */
  refund: bigint;
  channel: ChannelInfo;
};
export type FinalizeCloseErrorType = WalletRequiredErrorType | ChannelStateErrorType | ClientClosedErrorType | Error;

/**
 * Ends a closing channel after its notice period (PaymentChannels `finalizeClose`): the balance returns to
 * the wallet and the channel's epoch advances (old tickets become worthless).
 *
 * @param client - A client from `createSottoClient` with a `wallet`.
 * @param parameters - {@link FinalizeCloseParameters}
 * @returns {@link FinalizeCloseReturnType}
 *
 * @example
 * const { refund } = await finalizeClose(client, { relay: "0x…" });
 */
export async function finalizeClose(client: object, parameters: FinalizeCloseParameters): Promise<FinalizeCloseReturnType> {
  const state = getState(client);
  const wallet = (client as { wallet?: SottoWalletClient }).wallet;
  if (!wallet || !state.book) throw new WalletRequiredError({ operation: "Finalizing a channel close" });
  const publicClient = (client as { publicClient: Parameters<typeof sendContractTransaction>[0] }).publicClient;
  const before = await state.book.sync(parameters.relay);
  if (before.status !== "closing") throw new ChannelStateError({ payee: parameters.relay, reason: "it is not closing", hint: "Announce the close first (closeChannel / `sotto channel close`)." });
  const block = await publicClient.getBlock();
  if (block.timestamp < before.closesAt) {
    throw new ChannelStateError({ payee: parameters.relay, reason: `the notice period ends at ${new Date(Number(before.closesAt) * 1000).toISOString()} (${before.closesAt - block.timestamp} s from now)`, hint: "Try again after that time." });
  }
  const receipt = await sendContractTransaction(publicClient, wallet, { address: state.contracts.channels, abi: paymentChannelsAbi, functionName: "finalizeClose", args: [parameters.relay] });
  const [closed] = parseEventLogs({ abi: paymentChannelsAbi, eventName: "ChannelClosed", logs: receipt.logs });
  const record = await state.book.sync(parameters.relay);
  return { transactionHash: receipt.transactionHash, refund: closed?.args.refund ?? 0n, channel: channelInfo(state, record) };
}
