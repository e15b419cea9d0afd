/**
 * Sotto wire protocol — portable entry point (no Node-only import: safe for browser bundles).
 * Node code that wants libsecp256k1 imports `getNativeBackend` from `./native.ts` and passes it wherever
 * a `CryptoBackend` is taken. docs/protocol.md is the specification.
 */

// Errors
export {
  BaseError,
  DecryptionFailedError,
  FragmentError,
  InternalError,
  InvalidAddressError,
  InvalidHexError,
  InvalidLengthError,
  InvalidOnionHmacError,
  InvalidOnionPayloadError,
  InvalidParameterError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  InvalidSignatureError,
  MessageTooLargeError,
  MissingFieldError,
  NativeBackendUnavailableError,
  NonCanonicalBigSizeError,
  PayloadTooLargeError,
  TicketMismatchError,
  TlvOrderError,
  TlvUnknownEvenTypeError,
  TlvValueError,
  TruncatedInputError,
  UnexpectedFieldError,
  UnknownFrameTypeError,
  UnsupportedVersionError,
} from "./errors.ts";
export type {
  BaseErrorParameters,
  BaseErrorType,
  DecryptionFailedErrorType,
  FragmentErrorType,
  InternalErrorType,
  InvalidAddressErrorType,
  InvalidHexErrorType,
  InvalidLengthErrorType,
  InvalidOnionHmacErrorType,
  InvalidOnionPayloadErrorType,
  InvalidParameterErrorType,
  InvalidPrivateKeyErrorType,
  InvalidPublicKeyErrorType,
  InvalidSignatureErrorType,
  MessageTooLargeErrorType,
  MissingFieldErrorType,
  NativeBackendUnavailableErrorType,
  NonCanonicalBigSizeErrorType,
  PayloadTooLargeErrorType,
  TicketMismatchErrorType,
  TlvOrderErrorType,
  TlvUnknownEvenTypeErrorType,
  TlvValueErrorType,
  TruncatedInputErrorType,
  UnexpectedFieldErrorType,
  UnknownFrameTypeErrorType,
  UnsupportedVersionErrorType,
} from "./errors.ts";

// Sizes, labels, type numbers
export {
  ACK_FRAME_SIZE,
  DRAINED_FRAME_SIZE,
  ACK_SECRET_SIZE,
  ADDRESS_HRP,
  EIP712_DOMAIN_NAME,
  EIP712_DOMAIN_VERSION,
  FRAME_TYPE_ACK,
  FRAME_TYPE_DRAINED,
  FRAME_TYPE_NACK,
  FRAME_TYPE_PACKET,
  FRAME_TYPE_RECEIPT,
  FRAME_TYPE_REVEAL,
  FRAME_TYPE_SUBSCRIBE,
  FRAME_TYPE_VOUCHER,
  FRAME_VERSION,
  KEY_LABEL_SOTTO_ACK,
  KEY_LABEL_SOTTO_REPLAY,
  MAX_BATCH_FRAMES,
  MAX_BATCH_SIZE,
  MAX_FRAGMENTS,
  MAX_MESSAGE_SIZE,
  NACK_FRAME_SIZE,
  ONION_PACKET_SIZE,
  PACKET_FRAME_SIZE,
  RECEIPT_FRAME_SIZE,
  REPLAY_TAG_SIZE,
  REVEAL_FRAME_SIZE,
  ROUTING_INFO_SIZE,
  SUBSCRIBE_FRAME_SIZE,
  SUBSCRIBE_MAX_SKEW_SECONDS,
  TICKET_TYPE,
  TICKET_WIRE_SIZE,
  TLV_ENCRYPTED_RECIPIENT_DATA,
  TLV_REPLY_PATH,
  TLV_SOTTO_AMOUNT_IN,
  TLV_SOTTO_AMOUNT_OUT,
  TLV_SOTTO_FRAGMENT,
  TLV_SOTTO_INCOMING_CHALLENGE,
  TLV_SOTTO_NEXT_NODE_ID,
  TLV_SOTTO_NEXT_PATH_KEY,
  TLV_SOTTO_OUTGOING_CHALLENGE,
  TLV_SOTTO_REPLY_FEES,
  VOUCHER_FRAME_SIZE,
} from "./constants.ts";

// Crypto back-ends
export type { CryptoBackend } from "./crypto/backend.ts";
export { portableBackend } from "./crypto/portableBackend.ts";
export { createPresignatures, signWithPresignature } from "./crypto/presign.ts";
export type { Presignature } from "./crypto/presign.ts";

// Bytes and addresses
export { concatBytes, concatInto, constantTimeEqual, equalBytes, fromHex, toHex } from "./utils/bytes.ts";
export { addressFromHex, privateKeyToAddress, publicKeyToAddress, toChecksumAddress } from "./utils/address.ts";
export type { AddressHex } from "./utils/address.ts";

// BOLT 1: BigSize and TLV
export { bigSizeLength, decodeBigSize, encodeBigSize } from "./tlv/bigsize.ts";
export { decodeTlvStream, encodeTlvStream, findTlv } from "./tlv/tlvStream.ts";
export type { DecodeTlvStreamOptions, TlvRecord } from "./tlv/tlvStream.ts";
export { decodeTruncatedUint, encodeTruncatedUint } from "./tlv/values.ts";

// BOLT 4: onion packets
export { computeSharedSecrets } from "./onion/computeSharedSecrets.ts";
export type { ComputeSharedSecretsReturnType } from "./onion/computeSharedSecrets.ts";
export { createOnionPacket, hopShiftSize, wrapOnion } from "./onion/createOnionPacket.ts";
export type { CreateOnionPacketParameters, CreateOnionPacketReturnType, OnionHop, WrapOnionParameters } from "./onion/createOnionPacket.ts";
export { generateFiller } from "./onion/filler.ts";
export { deriveKey, generateCipherStream } from "./onion/keys.ts";
export { checkOnionPacket, peelOnionPacket } from "./onion/peelOnionPacket.ts";
export type { PeelOnionPacketParameters, PeelOnionPacketReturnType } from "./onion/peelOnionPacket.ts";
export { createErrorPacket, decryptErrorPacket, wrapErrorPacket } from "./onion/errorPacket.ts";
export type { DecryptErrorPacketReturnType } from "./onion/errorPacket.ts";

// BOLT 4: route blinding and onion messages
export { createBlindedPath } from "./blinding/createBlindedPath.ts";
export type {
  BlindedHop,
  BlindedPath,
  BlindedPathHopInput,
  CreateBlindedPathParameters,
  CreateBlindedPathReturnType,
} from "./blinding/createBlindedPath.ts";
export { decodeBlindedPath, encodeBlindedPath } from "./blinding/blindedPathCodec.ts";
export { decodeEncryptedDataTlv, encodeEncryptedDataTlv } from "./blinding/encryptedDataTlv.ts";
export type { EncryptedDataTlv, PaymentConstraints, PaymentRelay } from "./blinding/encryptedDataTlv.ts";
export { decryptRecipientData, deriveBlindedPrivateKey, deriveNextPathKey } from "./blinding/unblind.ts";
export type { DecryptRecipientDataParameters, DecryptRecipientDataReturnType } from "./blinding/unblind.ts";
export {
  ONION_MESSAGE_KNOWN_TYPES,
  ONION_MESSAGE_TYPE,
  decodeOnionMessage,
  decodeOnionMessagePayload,
  encodeOnionMessage,
  encodeOnionMessagePayload,
} from "./message/onionMessage.ts";
export type { OnionMessage, OnionMessagePayload } from "./message/onionMessage.ts";

// Tickets (EIP-712)
export { computeChannelId, hashTicket, hashTicketDomain, hashTicketStruct, ticketTypedData } from "./tickets/ticket.ts";
export type { Ticket, TicketDomain } from "./tickets/ticket.ts";
export { decodeWireTicket, encodeWireTicket, isVoucher, signTicket, verifyTicket } from "./tickets/wireTicket.ts";
export type { SignTicketParameters, VerifyTicketParameters, VerifyTicketReturnType, WireTicket } from "./tickets/wireTicket.ts";

// Sotto layer
export { computeChallenge, deriveAckSecret, deriveReplayTag, deriveRouteAcks } from "./sotto/acks.ts";
export type { HopSecrets } from "./sotto/acks.ts";
export { decodeAddress, encodeAddress } from "./sotto/address.ts";
export type { SottoAddress } from "./sotto/address.ts";
export { decodeAmountList, encodeAmountList } from "./sotto/amounts.ts";
export { buildPacket, fragmentCapacity } from "./sotto/buildPacket.ts";
export type {
  BuildPacketParameters,
  BuildPacketReturnType,
  BuiltHop,
  FragmentCapacityParameters,
  PacketRecipient,
  RouteHop,
} from "./sotto/buildPacket.ts";
export { createRecipientPath } from "./sotto/createRecipientPath.ts";
export type { CreateRecipientPathParameters } from "./sotto/createRecipientPath.ts";
export { decodeFragment, encodeFragment, splitMessage } from "./sotto/fragment.ts";
export type { Fragment } from "./sotto/fragment.ts";
export {
  NackReason,
  answersVoucher,
  decodeBatch,
  decodeFrame,
  encodeBatch,
  encodeFrame,
  encodedFrameLength,
  frameSize,
  packBatches,
  voucherRefused,
  voucherStored,
} from "./sotto/frames.ts";
export type { AckFrame, DrainedFrame, Frame, NackFrame, PacketFrame, ReceiptFrame, RevealFrame, SubscribeFrame, VoucherFrame } from "./sotto/frames.ts";
export { BatchStreamDecoder } from "./sotto/batchStream.ts";
export type { BatchStreamItem } from "./sotto/batchStream.ts";
export { createSubscribe, subscribeDigest, verifySubscribe } from "./sotto/subscribe.ts";
export type { SubscribeCheck } from "./sotto/subscribe.ts";
export { decodeHopPayload, encodeHopPayload } from "./sotto/hopPayload.ts";
export type { PaidBlindedPath, SottoHopPayload } from "./sotto/hopPayload.ts";
export { processPacket } from "./sotto/processPacket.ts";
export type {
  DeliverInstruction,
  ForwardInstruction,
  ProcessPacketParameters,
  ProcessPacketReturnType,
} from "./sotto/processPacket.ts";
export { createReassembler } from "./sotto/reassembler.ts";
export type { AddFragmentResult, Reassembler, ReassemblerOptions } from "./sotto/reassembler.ts";

// Payments: the payer's and payee's ledgers for conditional cumulative tickets (docs/protocol.md §11)
export {
  acceptIncomingTicket,
  checkIncomingTicket,
  newIncomingChannel,
  recordResponse,
  redeemableValue,
} from "./payments/payeeLedger.ts";
export type { IncomingChannel, IncomingCheck, IncomingRejectReason, IncomingTicketFields } from "./payments/payeeLedger.ts";
export { confirmAmount, issueTicket, issueVoucher, newOutgoingChannel, spendable } from "./payments/payerLedger.ts";
export type { IssuedTicket, IssueResult, OutgoingChannel, OutgoingRefusal } from "./payments/payerLedger.ts";

// Routing
export { stakeWeightedOrder } from "./routing/stakeWeightedOrder.ts";
