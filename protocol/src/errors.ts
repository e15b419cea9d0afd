/**
 * Errors thrown by `protocol/`: one `BaseError` class (viem style: short message, details, meta messages,
 * a `cause` chain and `walk()`), and one named subclass per failure. Every decoder in this package throws
 * only these, whatever the input; callers can switch on `error.name`.
 */

export type BaseErrorParameters = {
  /** Longer explanation, printed after the short message. */
  details?: string | undefined;
  /** Extra lines (context, hints), printed between the short message and the details. */
  metaMessages?: readonly string[] | undefined;
  cause?: unknown;
};

export type BaseErrorType = BaseError & { name: "SottoError" };

export class BaseError extends Error {
  override name: string = "SottoError";
  /** The one-line message, without details or meta messages. */
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: readonly string[] | undefined;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { details, metaMessages, cause } = parameters;
    const lines = [shortMessage];
    if (metaMessages && metaMessages.length > 0) lines.push("", ...metaMessages);
    if (details) lines.push("", `Details: ${details}`);
    super(lines.join("\n"), cause === undefined ? undefined : { cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = metaMessages;
  }

  /** Follows the `cause` chain; returns the first error `fn` accepts (or the innermost one). */
  walk(fn?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    for (;;) {
      if (fn && fn(current)) return current;
      const next = (current as { cause?: unknown } | null)?.cause;
      if (next === undefined || next === null) return fn ? null : current;
      current = next;
    }
  }
}

/** Input ended before a field could be read. */
export class TruncatedInputError extends BaseError {
  override name = "TruncatedInputError" as const;
  readonly what: string;
  constructor({ what, needed, available }: { what: string; needed: number; available: number }) {
    super(`Truncated ${what}: needed ${needed} byte(s), ${available} available.`);
    this.what = what;
  }
}
export type TruncatedInputErrorType = TruncatedInputError;

/** A BigSize integer used more bytes than necessary (BOLT 1). */
export class NonCanonicalBigSizeError extends BaseError {
  override name = "NonCanonicalBigSizeError" as const;
  constructor({ value }: { value: bigint }) {
    super(`Decoded bigsize is not canonical (value ${value}).`);
  }
}
export type NonCanonicalBigSizeErrorType = NonCanonicalBigSizeError;

/** A value has the wrong size: fixed-size field, oversized input or out-of-range length. */
export class InvalidLengthError extends BaseError {
  override name = "InvalidLengthError" as const;
  readonly what: string;
  constructor({ what, expected, actual }: { what: string; expected: string | number; actual: number }) {
    super(`Invalid length for ${what}: expected ${expected}, got ${actual}.`);
    this.what = what;
  }
}
export type InvalidLengthErrorType = InvalidLengthError;

/** A version byte this implementation does not speak. */
export class UnsupportedVersionError extends BaseError {
  override name = "UnsupportedVersionError" as const;
  constructor({ what, version, supported }: { what: string; version: number; supported: readonly number[] }) {
    super(`Unsupported ${what} version ${version} (supported: ${supported.join(", ")}).`);
  }
}
export type UnsupportedVersionErrorType = UnsupportedVersionError;

/** A link frame or message with an unknown type byte. */
export class UnknownFrameTypeError extends BaseError {
  override name = "UnknownFrameTypeError" as const;
  constructor({ type }: { type: number }) {
    super(`Unknown frame type 0x${type.toString(16).padStart(2, "0")}.`);
  }
}
export type UnknownFrameTypeErrorType = UnknownFrameTypeError;

/** TLV records not in strictly increasing type order (includes duplicates). */
export class TlvOrderError extends BaseError {
  override name = "TlvOrderError" as const;
  constructor({ type, previous }: { type: bigint; previous: bigint }) {
    super(`TLV types not strictly increasing: ${type} after ${previous}.`);
  }
}
export type TlvOrderErrorType = TlvOrderError;

/** An even TLV type the reader does not know (BOLT 1: it must reject the stream). */
export class TlvUnknownEvenTypeError extends BaseError {
  override name = "TlvUnknownEvenTypeError" as const;
  readonly type: bigint;
  constructor({ type, stream }: { type: bigint; stream: string }) {
    super(`Unknown even TLV type ${type} in ${stream}.`);
    this.type = type;
  }
}
export type TlvUnknownEvenTypeErrorType = TlvUnknownEvenTypeError;

/** A known TLV record whose value does not decode (wrong length, non-minimal, invalid point...). */
export class TlvValueError extends BaseError {
  override name = "TlvValueError" as const;
  readonly type: bigint;
  constructor({ type, reason }: { type: bigint; reason: string }) {
    super(`Invalid value for TLV type ${type}: ${reason}.`);
    this.type = type;
  }
}
export type TlvValueErrorType = TlvValueError;

/** A required field or TLV record is absent. */
export class MissingFieldError extends BaseError {
  override name = "MissingFieldError" as const;
  constructor({ what, field }: { what: string; field: string }) {
    super(`Missing ${field} in ${what}.`);
  }
}
export type MissingFieldErrorType = MissingFieldError;

/** A field or TLV record that is not allowed where it appears. */
export class UnexpectedFieldError extends BaseError {
  override name = "UnexpectedFieldError" as const;
  constructor({ what, field, reason }: { what: string; field: string; reason?: string }) {
    super(`Unexpected ${field} in ${what}${reason ? `: ${reason}` : ""}.`);
  }
}
export type UnexpectedFieldErrorType = UnexpectedFieldError;

/** Not a valid compressed secp256k1 point. */
export class InvalidPublicKeyError extends BaseError {
  override name = "InvalidPublicKeyError" as const;
  constructor({ what = "public key", cause }: { what?: string; cause?: unknown } = {}) {
    super(`Invalid ${what}: not a valid compressed secp256k1 point.`, { cause });
  }
}
export type InvalidPublicKeyErrorType = InvalidPublicKeyError;

/** Not a valid secp256k1 secret scalar (0 < k < n), or a tweak that yields one. */
export class InvalidPrivateKeyError extends BaseError {
  override name = "InvalidPrivateKeyError" as const;
  constructor({ what = "private key", cause }: { what?: string; cause?: unknown } = {}) {
    super(`Invalid ${what}: not a scalar in [1, n-1].`, { cause });
  }
}
export type InvalidPrivateKeyErrorType = InvalidPrivateKeyError;

/** The onion's HMAC does not verify: wrong key, wrong associated data, wrong path key or tampering. */
export class InvalidOnionHmacError extends BaseError {
  override name = "InvalidOnionHmacError" as const;
  constructor() {
    super("Onion HMAC mismatch: wrong key, associated data or path key, or the packet was modified.");
  }
}
export type InvalidOnionHmacErrorType = InvalidOnionHmacError;

/** The decrypted hop payload is malformed (BOLT 4 "Onion Decryption" requirements). */
export class InvalidOnionPayloadError extends BaseError {
  override name = "InvalidOnionPayloadError" as const;
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid onion hop payload: ${reason}.`, { cause });
  }
}
export type InvalidOnionPayloadErrorType = InvalidOnionPayloadError;

/** The hop payloads of a route do not fit in the onion's routing info. */
export class PayloadTooLargeError extends BaseError {
  override name = "PayloadTooLargeError" as const;
  constructor({ needed, available }: { needed: number; available: number }) {
    super(`Hop payloads need ${needed} bytes of routing info, only ${available} available.`);
  }
}
export type PayloadTooLargeErrorType = PayloadTooLargeError;

/** ChaCha20-Poly1305 authentication failed (wrong key or modified ciphertext). */
export class DecryptionFailedError extends BaseError {
  override name = "DecryptionFailedError" as const;
  constructor({ what }: { what: string }) {
    super(`Could not decrypt ${what}: authentication tag mismatch.`);
  }
}
export type DecryptionFailedErrorType = DecryptionFailedError;

/** A malformed or non-canonical ECDSA signature (bad v, high s, r or s out of range, unrecoverable). */
export class InvalidSignatureError extends BaseError {
  override name = "InvalidSignatureError" as const;
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid signature: ${reason}.`, { cause });
  }
}
export type InvalidSignatureErrorType = InvalidSignatureError;

/** A ticket that is well formed but not acceptable for this hop (wrong signer, challenge, payee...). */
export class TicketMismatchError extends BaseError {
  override name = "TicketMismatchError" as const;
  readonly reason: string;
  constructor({ reason }: { reason: string }) {
    super(`Ticket rejected: ${reason}.`);
    this.reason = reason;
  }
}
export type TicketMismatchErrorType = TicketMismatchError;

/** A fragment inconsistent with the others of its message, or a message over the limits. */
export class FragmentError extends BaseError {
  override name = "FragmentError" as const;
  readonly reason: string;
  constructor({ reason }: { reason: string }) {
    super(`Bad message fragment: ${reason}.`);
    this.reason = reason;
  }
}
export type FragmentErrorType = FragmentError;

/** A message larger than the protocol allows. */
export class MessageTooLargeError extends BaseError {
  override name = "MessageTooLargeError" as const;
  constructor({ size, max }: { size: number; max: number }) {
    super(`Message of ${size} bytes exceeds the maximum of ${max} bytes.`);
  }
}
export type MessageTooLargeErrorType = MessageTooLargeError;

/** A `sotto1…` recipient address that does not parse or whose checksum fails. */
export class InvalidAddressError extends BaseError {
  override name = "InvalidAddressError" as const;
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid Sotto address: ${reason}.`, { cause });
  }
}
export type InvalidAddressErrorType = InvalidAddressError;

/** A string that is not even-length hexadecimal (an optional 0x prefix is allowed). */
export class InvalidHexError extends BaseError {
  override name = "InvalidHexError" as const;
  constructor({ what = "hex string" }: { what?: string } = {}) {
    super(`Invalid ${what}: expected an even number of hexadecimal digits.`);
  }
}
export type InvalidHexErrorType = InvalidHexError;

/** A caller passed an argument outside the documented domain (programming error, not hostile input). */
export class InvalidParameterError extends BaseError {
  override name = "InvalidParameterError" as const;
  constructor({ parameter, reason }: { parameter: string; reason: string }) {
    super(`Invalid parameter ${parameter}: ${reason}.`);
  }
}
export type InvalidParameterErrorType = InvalidParameterError;

/** The native crypto back-end could not load its N-API binding. */
export class NativeBackendUnavailableError extends BaseError {
  override name = "NativeBackendUnavailableError" as const;
  constructor({ cause, addon = "secp256k1@5" }: { cause?: unknown; addon?: "secp256k1@5" | "sodium-native@5" } = {}) {
    super(`The native crypto back-end could not load the ${addon.slice(0, addon.indexOf("@"))} N-API binding.`, {
      cause,
      metaMessages: [`Use the portable back-end (protocol/src/index.ts) or reinstall ${addon} with its prebuilds.`],
    });
  }
}
export type NativeBackendUnavailableErrorType = NativeBackendUnavailableError;

/** Wraps anything unexpected thrown below a decoder so that decoders only ever throw `BaseError`s. */
export class InternalError extends BaseError {
  override name = "InternalError" as const;
  constructor({ what, cause }: { what: string; cause: unknown }) {
    super(`Unexpected failure in ${what}.`, { cause });
  }
}
export type InternalErrorType = InternalError;

/** Re-throws `BaseError`s unchanged and wraps anything else, so callers see only typed errors. */
export function asProtocolError(error: unknown, what: string): BaseError {
  return error instanceof BaseError ? error : new InternalError({ what, cause: error });
}
