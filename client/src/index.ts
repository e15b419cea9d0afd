/**
 * Sotto client SDK (viem style): `createSottoClient` plus free, tree-shakable actions `(client, params)`.
 * Portable: nothing here imports a Node built-in, so it bundles for browsers (pass `backend` and `host`
 * there). Node-only pieces — file storage, key files, the local HTTP API — are in `#client/node`.
 * docs/client.md is the reference.
 */

// Client
export { createSottoClient } from "./createSottoClient.ts";
export type { CreateSottoClientParameters, SottoClient } from "./createSottoClient.ts";

// Actions
export { closeChannel } from "./actions/closeChannel.ts";
export type { CloseChannelErrorType, CloseChannelParameters, CloseChannelReturnType } from "./actions/closeChannel.ts";
export { createAddress } from "./actions/createAddress.ts";
export type { CreateAddressErrorType, CreateAddressParameters, CreateAddressReturnType } from "./actions/createAddress.ts";
export { finalizeClose } from "./actions/finalizeClose.ts";
export type { FinalizeCloseErrorType, FinalizeCloseParameters, FinalizeCloseReturnType } from "./actions/finalizeClose.ts";
export { fundChannel } from "./actions/fundChannel.ts";
export type { FundChannelErrorType, FundChannelParameters, FundChannelReturnType } from "./actions/fundChannel.ts";
export { getAddresses } from "./actions/getAddresses.ts";
export type { GetAddressesErrorType, GetAddressesParameters, GetAddressesReturnType } from "./actions/getAddresses.ts";
export { getChannel } from "./actions/getChannel.ts";
export type { GetChannelErrorType, GetChannelParameters, GetChannelReturnType } from "./actions/getChannel.ts";
export { getChannels } from "./actions/getChannels.ts";
export type { ChannelInfo, GetChannelsErrorType, GetChannelsParameters, GetChannelsReturnType } from "./actions/getChannels.ts";
export { getInbox } from "./actions/getInbox.ts";
export type { GetInboxErrorType, GetInboxParameters, GetInboxReturnType } from "./actions/getInbox.ts";
export { getRelays } from "./actions/getRelays.ts";
export type { GetRelaysErrorType, GetRelaysParameters, GetRelaysReturnType } from "./actions/getRelays.ts";
export { listen, stopListening } from "./actions/listen.ts";
export type { ListenErrorType, ListenReturnType } from "./actions/listen.ts";
export { onMessage } from "./actions/onMessage.ts";
export type { OnMessageErrorType, OnMessageReturnType } from "./actions/onMessage.ts";
export { reply } from "./actions/reply.ts";
export type { ReplyErrorType, ReplyParameters, ReplyReturnType } from "./actions/reply.ts";
export { selectRoute } from "./actions/selectRoute.ts";
export type { SelectRouteErrorType, SelectRouteParameters, SelectRouteReturnType } from "./actions/selectRoute.ts";
export { sendMessage } from "./actions/sendMessage.ts";
export type { FragmentReceipt, SendMessageErrorType, SendMessageParameters, SendMessageReturnType, SendProgress } from "./actions/sendMessage.ts";

// Building blocks
export { findRelayChain } from "./routing/findRelayChain.ts";
export type { ChainCandidate, FindRelayChainParameters } from "./routing/findRelayChain.ts";
export { splitForRoute } from "./messages/splitForRoute.ts";
export type { SplitForRouteParameters } from "./messages/splitForRoute.ts";
export { createMemoryStorage } from "./storage/createMemoryStorage.ts";

// Types
export type { ClientLogger, ClientStorage, MessageHandler, ReceivedMessage, RelayInfo, RouteRelay } from "./types.ts";

// Errors
export {
  AddressExpiredError,
  BaseError,
  ChannelStateError,
  ClientClosedError,
  DeliveryFailedError,
  HostRequiredError,
  IdentityRequiredError,
  InsufficientChannelFundsError,
  InvalidArgumentError,
  InvalidRecipientError,
  NoAddressError,
  NoChannelError,
  NoRouteError,
  RelayNotFoundError,
  RelayUnreachableError,
  TicketSigningError,
  WalletRequiredError,
} from "./errors.ts";
export type {
  AddressExpiredErrorType,
  BaseErrorType,
  ChannelStateErrorType,
  ClientClosedErrorType,
  DeliveryFailedErrorType,
  HostRequiredErrorType,
  IdentityRequiredErrorType,
  InsufficientChannelFundsErrorType,
  InvalidArgumentErrorType,
  InvalidRecipientErrorType,
  NoAddressErrorType,
  NoChannelErrorType,
  NoRouteErrorType,
  RelayNotFoundErrorType,
  RelayUnreachableErrorType,
  TicketSigningErrorType,
  WalletRequiredErrorType,
} from "./errors.ts";
