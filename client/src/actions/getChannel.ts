import type { Address } from "viem";
import { WalletRequiredError, type ClientClosedErrorType, type WalletRequiredErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import { channelInfo, type ChannelInfo } from "./getChannels.ts";

export type GetChannelParameters = {
  /** The payee relay's node address. */
  relay: Address;
};
export type GetChannelReturnType = ChannelInfo;
export type GetChannelErrorType = WalletRequiredErrorType | ClientClosedErrorType | Error;

/**
 * One outgoing channel (to `relay`): chain state and payer ledger. A channel never funded has status "none".
 *
 * @param client - A client from `createSottoClient` with a `wallet`.
 * @param parameters - {@link GetChannelParameters}
 * @returns {@link GetChannelReturnType}
 *
 * @example
 * const { spendable } = await getChannel(client, { relay: "0x…" });
 */
export async function getChannel(client: object, parameters: GetChannelParameters): Promise<GetChannelReturnType> {
  const state = getState(client);
  if (!state.book) throw new WalletRequiredError({ operation: "Reading a channel" });
  return channelInfo(state, await state.book.sync(parameters.relay));
}
