import { parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { paymentChannelsAbi } from "../generated/index.ts";
import { sendContractTransaction, type SottoWalletClient } from "./sendTransaction.ts";

export interface Redemption {
  payer: Address;
  payee: Address;
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: Hex;
  response: Hex;
  signature: Hex;
}

export interface RedeemTicketsReturnType {
  transactionHash: Hex;
  gasUsed: bigint;
  redeemed: { channelId: Hex; payer: Address; payee: Address; cumulative: bigint; amount: bigint }[];
  skipped: { channelId: Hex; position: bigint; reason: Hex }[];
}

/**
 * Redeems tickets of many channels in one `redeemMany` transaction. Entries that are not redeemable are
 * skipped by the contract (RedemptionSkipped) and reported here; the rest are paid.
 */
export async function redeemTickets(
  publicClient: PublicClient,
  wallet: SottoWalletClient,
  parameters: { channels: Address; redemptions: readonly Redemption[] },
): Promise<RedeemTicketsReturnType> {
  const receipt = await sendContractTransaction(publicClient, wallet, {
    address: parameters.channels,
    abi: paymentChannelsAbi,
    functionName: "redeemMany",
    args: [parameters.redemptions.map((r) => ({ ...r }))],
  });
  const logs = parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs });
  return {
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    redeemed: logs.flatMap((l) =>
      l.eventName === "TicketRedeemed"
        ? [{ channelId: l.args.channelId, payer: l.args.payer, payee: l.args.payee, cumulative: l.args.cumulative, amount: l.args.amount }]
        : [],
    ),
    skipped: logs.flatMap((l) => (l.eventName === "RedemptionSkipped" ? [{ channelId: l.args.channelId, position: l.args.position, reason: l.args.reason }] : [])),
  };
}
