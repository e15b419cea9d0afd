/**
 * Typed access to the Sotto contracts (viem actions over the generated ABIs), shared by the relay, the
 * client SDK and the CLI.
 */
export { approveIfNeeded } from "./approveIfNeeded.ts";
export { fundChannel, type FundChannelParameters, type FundChannelReturnType } from "./fundChannel.ts";
export { getChannel, type GetChannelParameters } from "./getChannel.ts";
export { getRelayDirectory, type GetRelayDirectoryParameters } from "./getRelayDirectory.ts";
export { redeemTickets, type Redemption, type RedeemTicketsReturnType } from "./redeemTickets.ts";
export { registerRelay, type RegisterRelayParameters } from "./registerRelay.ts";
export { relayBindingTypes, relayRegistryDomain, signRelayBinding, type RelayParams } from "./relayBinding.ts";
export { permitTypes, signPermit, type SignPermitParameters } from "./signPermit.ts";
export { sendContractTransaction, TransactionRevertedError, type SottoWalletClient } from "./sendTransaction.ts";
export type { ChannelState, ChannelStatus, RelayRecord, SottoContracts } from "./types.ts";
