/**
 * The public API, by export name (viem's index.test.ts pattern): an accidental addition, rename or removal
 * fails here. Update the lists deliberately, together with docs/protocol.md and the report to relay/client.
 */
import { describe, expect, it } from "vitest";

describe("public API", () => {
  it("protocol/src/index.ts (portable) exports exactly these names", async () => {
    const names = Object.keys(await import("./index.ts")).sort();
    expect(names).toEqual([
      "ACK_FRAME_SIZE",
      "ACK_SECRET_SIZE",
      "ADDRESS_HRP",
      "BaseError",
      "BatchStreamDecoder",
      "DRAINED_FRAME_SIZE",
      "DecryptionFailedError",
      "EIP712_DOMAIN_NAME",
      "EIP712_DOMAIN_VERSION",
      "FRAME_TYPE_ACK",
      "FRAME_TYPE_DRAINED",
      "FRAME_TYPE_NACK",
      "FRAME_TYPE_PACKET",
      "FRAME_TYPE_RECEIPT",
      "FRAME_TYPE_REVEAL",
      "FRAME_TYPE_SUBSCRIBE",
      "FRAME_TYPE_VOUCHER",
      "FRAME_VERSION",
      "FragmentError",
      "InternalError",
      "InvalidAddressError",
      "InvalidHexError",
      "InvalidLengthError",
      "InvalidOnionHmacError",
      "InvalidOnionPayloadError",
      "InvalidParameterError",
      "InvalidPrivateKeyError",
      "InvalidPublicKeyError",
      "InvalidSignatureError",
      "KEY_LABEL_SOTTO_ACK",
      "KEY_LABEL_SOTTO_REPLAY",
      "MAX_BATCH_FRAMES",
      "MAX_BATCH_SIZE",
      "MAX_FRAGMENTS",
      "MAX_MESSAGE_SIZE",
      "MessageTooLargeError",
      "MissingFieldError",
      "NACK_FRAME_SIZE",
      "NackReason",
      "NativeBackendUnavailableError",
      "NonCanonicalBigSizeError",
      "ONION_MESSAGE_KNOWN_TYPES",
      "ONION_MESSAGE_TYPE",
      "ONION_PACKET_SIZE",
      "PACKET_FRAME_SIZE",
      "PayloadTooLargeError",
      "RECEIPT_FRAME_SIZE",
      "REPLAY_TAG_SIZE",
      "REVEAL_FRAME_SIZE",
      "ROUTING_INFO_SIZE",
      "SUBSCRIBE_FRAME_SIZE",
      "SUBSCRIBE_MAX_SKEW_SECONDS",
      "TICKET_TYPE",
      "TICKET_WIRE_SIZE",
      "TLV_ENCRYPTED_RECIPIENT_DATA",
      "TLV_REPLY_PATH",
      "TLV_SOTTO_AMOUNT_IN",
      "TLV_SOTTO_AMOUNT_OUT",
      "TLV_SOTTO_FRAGMENT",
      "TLV_SOTTO_INCOMING_CHALLENGE",
      "TLV_SOTTO_NEXT_NODE_ID",
      "TLV_SOTTO_NEXT_PATH_KEY",
      "TLV_SOTTO_OUTGOING_CHALLENGE",
      "TLV_SOTTO_REPLY_FEES",
      "TicketMismatchError",
      "TlvOrderError",
      "TlvUnknownEvenTypeError",
      "TlvValueError",
      "TruncatedInputError",
      "UnexpectedFieldError",
      "UnknownFrameTypeError",
      "UnsupportedVersionError",
      "VOUCHER_FRAME_SIZE",
      "addressFromHex",
      "bigSizeLength",
      "buildPacket",
      "checkOnionPacket",
      "computeChallenge",
      "computeChannelId",
      "computeSharedSecrets",
      "concatBytes",
      "constantTimeEqual",
      "createBlindedPath",
      "createErrorPacket",
      "createOnionPacket",
      "createReassembler",
      "createRecipientPath",
      "createSubscribe",
      "decodeAddress",
      "decodeAmountList",
      "decodeBatch",
      "decodeBigSize",
      "decodeBlindedPath",
      "decodeEncryptedDataTlv",
      "decodeFragment",
      "decodeFrame",
      "decodeHopPayload",
      "decodeOnionMessage",
      "decodeOnionMessagePayload",
      "decodeTlvStream",
      "decodeTruncatedUint",
      "decodeWireTicket",
      "decryptErrorPacket",
      "decryptRecipientData",
      "deriveAckSecret",
      "deriveBlindedPrivateKey",
      "deriveKey",
      "deriveNextPathKey",
      "deriveReplayTag",
      "deriveRouteAcks",
      "encodeAddress",
      "encodeAmountList",
      "encodeBatch",
      "encodeBigSize",
      "encodeBlindedPath",
      "encodeEncryptedDataTlv",
      "encodeFragment",
      "encodeFrame",
      "encodeHopPayload",
      "encodeOnionMessage",
      "encodeOnionMessagePayload",
      "encodeTlvStream",
      "encodeTruncatedUint",
      "encodeWireTicket",
      "encodedFrameLength",
      "equalBytes",
      "findTlv",
      "fragmentCapacity",
      "frameSize",
      "fromHex",
      "generateCipherStream",
      "generateFiller",
      "hashTicket",
      "hashTicketDomain",
      "hashTicketStruct",
      "hopShiftSize",
      "isVoucher",
      "packBatches",
      "peelOnionPacket",
      "portableBackend",
      "privateKeyToAddress",
      "processPacket",
      "publicKeyToAddress",
      "signTicket",
      "splitMessage",
      "subscribeDigest",
      "ticketTypedData",
      "toChecksumAddress",
      "toHex",
      "verifySubscribe",
      "verifyTicket",
      "wrapErrorPacket",
      "wrapOnion",
    ]);
  });

  it("protocol/src/native.ts (Node only) exports exactly these names", async () => {
    const names = Object.keys(await import("./native.ts")).sort();
    expect(names).toEqual([
      "createNativeBackend",
      "getNativeBackend",
      "nativeBindingInfo",
    ]);
  });

  it("the portable entry point imports nothing Node-only", async () => {
    const { readFileSync, readdirSync, statSync } = await import("node:fs");
    const { join, dirname } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const root = dirname(fileURLToPath(import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith(".ts") && !path.endsWith(".test.ts") && !path.endsWith("native.ts") && !path.endsWith("nativeBackend.ts")) {
          const text = readFileSync(path, "utf8");
          if (/from "node:|require\(|from "secp256k1/.test(text)) offenders.push(path);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
