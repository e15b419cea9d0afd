import { parseEventLogs, type Address, type Hash, type PublicClient } from "viem";
import type { SottoContracts } from "#contracts";
import { paymentChannelsAbi, relayRegistryAbi } from "#contracts/generated";

export interface RelayEarnings {
  node: Address;
  /** Redeemed from channels paying this relay. */
  received: bigint;
  /** Redeemed by other relays from this relay's outgoing channels. */
  paidOut: bigint;
  /** received − paidOut: what the relay kept. */
  net: bigint;
  settlements: number;
}

export interface TransactionStats {
  kind: string;
  count: number;
  gas: bigint;
}

export interface ChainAccounting {
  relays: RelayEarnings[];
  /** Redeemed from each sender's channels. */
  senders: Map<string, { deposited: bigint; redeemed: bigint; balance: bigint }>;
  transactions: TransactionStats[];
  redeemManyGas: bigint;
  redemptions: number;
}

const lower = (a: string) => a.toLowerCase();

/**
 * Reads what actually happened on chain: every deposit and redemption (events of PaymentChannels), every
 * registry change, the transactions that carried them and their gas — the demo's accounting is checked
 * against this, not against what the processes say about themselves.
 */
export async function readChainAccounting(client: PublicClient, contracts: SottoContracts, relays: readonly Address[], senders: readonly Address[]): Promise<ChainAccounting> {
  const [channelLogs, registryLogs] = await Promise.all([
    client.getLogs({ address: contracts.channels, fromBlock: 0n }),
    client.getLogs({ address: contracts.registry, fromBlock: 0n }),
  ]);
  const channelEvents = parseEventLogs({ abi: paymentChannelsAbi, logs: channelLogs });
  const registryEvents = parseEventLogs({ abi: relayRegistryAbi, logs: registryLogs });
  const earnings = new Map(relays.map((node) => [lower(node), { node, received: 0n, paidOut: 0n, net: 0n, settlements: 0 } as RelayEarnings]));
  const senderStats = new Map(senders.map((s) => [lower(s), { deposited: 0n, redeemed: 0n, balance: 0n }]));
  const txKinds = new Map<Hash, string>();
  const settlementTxs = new Map<string, Set<Hash>>();
  let redemptions = 0;
  for (const event of channelEvents) {
    if (event.eventName === "ChannelFunded") {
      txKinds.set(event.transactionHash, txKinds.get(event.transactionHash) ?? "fund channel");
      const sender = senderStats.get(lower(event.args.payer));
      if (sender) sender.deposited += event.args.amount;
    } else if (event.eventName === "TicketRedeemed") {
      txKinds.set(event.transactionHash, "redeemMany");
      redemptions++;
      const payee = earnings.get(lower(event.args.payee));
      if (payee) {
        payee.received += event.args.amount;
        const txs = settlementTxs.get(lower(event.args.payee)) ?? new Set<Hash>();
        txs.add(event.transactionHash);
        settlementTxs.set(lower(event.args.payee), txs);
      }
      const payer = earnings.get(lower(event.args.payer));
      if (payer) payer.paidOut += event.args.amount;
      const sender = senderStats.get(lower(event.args.payer));
      if (sender) sender.redeemed += event.args.amount;
    }
  }
  for (const event of registryEvents) txKinds.set(event.transactionHash, event.eventName === "RelayRegistered" ? "stake + register" : event.eventName);
  for (const e of earnings.values()) {
    e.net = e.received - e.paidOut;
    e.settlements = settlementTxs.get(lower(e.node))?.size ?? 0;
  }
  const receipts = await Promise.all([...txKinds.keys()].map((hash) => client.getTransactionReceipt({ hash })));
  const byKind = new Map<string, TransactionStats>();
  let redeemManyGas = 0n;
  for (const receipt of receipts) {
    const kind = txKinds.get(receipt.transactionHash)!;
    const stats = byKind.get(kind) ?? { kind, count: 0, gas: 0n };
    stats.count++;
    stats.gas += receipt.gasUsed;
    byKind.set(kind, stats);
    if (kind === "redeemMany") redeemManyGas += receipt.gasUsed;
  }
  return { relays: [...earnings.values()], senders: senderStats, transactions: [...byKind.values()], redeemManyGas, redemptions };
}
