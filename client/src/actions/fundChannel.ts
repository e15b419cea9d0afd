import { parseEventLogs, parseSignature, type Address, type Hex } from "viem";
import { approveIfNeeded, sendContractTransaction, type SottoWalletClient } from "#contracts";
import { paymentChannelsAbi, sottoTestTokenAbi } from "#contracts/generated";
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
  let receipt;
  let extraGas = 0n;
  if (parameters.permit) {
    const deadline = BigInt(Math.floor(Date.now() / 1000) + (parameters.permitTtlSeconds ?? 3600));
    const { v, r, s } = await signPermit(publicClient, wallet, { token, spender: state.contracts.channels, value: amount, deadline, chainId: state.chainId });
    receipt = await sendContractTransaction(publicClient, wallet, {
      address: state.contracts.channels,
      abi: paymentChannelsAbi,
      functionName: "fundWithPermit",
      args: [info.node, amount, deadline, v, r, s],
    });
  } else {
    const approval = await approveIfNeeded(publicClient, wallet, { token, spender: state.contracts.channels, amount });
    extraGas = approval?.gasUsed ?? 0n;
    receipt = await sendContractTransaction(publicClient, wallet, {
      address: state.contracts.channels,
      abi: paymentChannelsAbi,
      functionName: "fund",
      args: [info.node, amount],
    });
  }
  const [funded] = parseEventLogs({ abi: paymentChannelsAbi, eventName: "ChannelFunded", logs: receipt.logs });
  if (!funded) throw new Error(`fund transaction ${receipt.transactionHash} emitted no ChannelFunded event`);
  const record = await state.book.sync(info.node);
  return { transactionHash: receipt.transactionHash, gasUsed: receipt.gasUsed + extraGas, channel: channelInfo(state, record) };
}

/** The payment token (from the deployment, else read from PaymentChannels once). */
export async function tokenOf(state: ClientState, publicClient: Parameters<typeof sendContractTransaction>[0]): Promise<Address> {
  state.contracts.token ??= (await publicClient.readContract({ address: state.contracts.channels, abi: paymentChannelsAbi, functionName: "token" })) as Address;
  return state.contracts.token;
}

/** ERC-2612 `Permit(owner, spender, value, nonce, deadline)` under the token's EIP-712 domain (ERC-5267). */
async function signPermit(
  publicClient: Parameters<typeof sendContractTransaction>[0],
  wallet: SottoWalletClient,
  p: { token: Address; spender: Address; value: bigint; deadline: bigint; chainId: number },
): Promise<{ v: number; r: Hex; s: Hex }> {
  const owner = wallet.account.address;
  const [domain, nonce] = await Promise.all([
    publicClient.readContract({ address: p.token, abi: sottoTestTokenAbi, functionName: "eip712Domain" }),
    publicClient.readContract({ address: p.token, abi: sottoTestTokenAbi, functionName: "nonces", args: [owner] }),
  ]);
  const [, name, version, chainId, verifyingContract] = domain as readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]];
  const signature = await wallet.signTypedData({
    account: wallet.account,
    domain: { name, version, chainId: Number(chainId ?? BigInt(p.chainId)), verifyingContract },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner, spender: p.spender, value: p.value, nonce: nonce as bigint, deadline: p.deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { r, s, v: Number(v ?? BigInt(27 + (yParity ?? 0))) };
}
