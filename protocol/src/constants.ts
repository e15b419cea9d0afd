/**
 * Every size, label and number of the wire protocol, with its reference. BOLT references are to
 * lightning/bolts 04-onion-routing.md and 01-messaging.md; "protocol.md" is docs/protocol.md.
 */

// --- secp256k1 / hashes -------------------------------------------------------------------------
/** Compressed secp256k1 point (BOLT 1 `point`). */
export const PUBLIC_KEY_SIZE = 33;
/** secp256k1 scalar. */
export const PRIVATE_KEY_SIZE = 32;
/** SHA-256 / HMAC-SHA256 / keccak256 output, ECDH shared secret. */
export const HASH_SIZE = 32;

// --- BOLT 4 onion -------------------------------------------------------------------------------
/** BOLT 4 `onion_packet.version` (version 0). */
export const ONION_VERSION = 0;
/** `hmac` field and every per-hop HMAC (BOLT 4 "Packet Structure"). */
export const HMAC_SIZE = 32;
/** BOLT 4 `hop_payloads` of a payment onion, and Sotto's network-wide routing info size. */
export const ROUTING_INFO_SIZE = 1300;
/** version (1) + public_key (33) + hmac (32): the fixed part of any onion packet. */
export const ONION_OVERHEAD = 1 + PUBLIC_KEY_SIZE + HMAC_SIZE;
/** 1 + 33 + 1300 + 32 = 1366: the BOLT 4 payment onion, and every Sotto packet's onion. */
export const ONION_PACKET_SIZE = ONION_OVERHEAD + ROUTING_INFO_SIZE;
/** The larger onion-message size BOLT 4 suggests (`len` SHOULD be 1366 or 32834). */
export const ONION_MESSAGE_LARGE_PACKET_SIZE = 32834;
/** Upper bound on any onion this code accepts: BOLT 4 onion_message `len` is a u16. */
export const MAX_ONION_PACKET_SIZE = 0xffff;
/** BOLT 4 hop payload lengths 0 and 1 are reserved. */
export const MIN_HOP_PAYLOAD_SIZE = 2;

/** BOLT 4 key-generation labels (HMAC-SHA256 keys, message = shared secret). */
export const KEY_LABEL_RHO = "rho";
export const KEY_LABEL_MU = "mu";
export const KEY_LABEL_UM = "um";
export const KEY_LABEL_PAD = "pad";
export const KEY_LABEL_AMMAG = "ammag";
/** BOLT 4 route blinding: `B_i = HMAC256("blinded_node_id", ss_i) · N_i`. */
export const KEY_LABEL_BLINDED_NODE_ID = "blinded_node_id";
/** Sotto: a hop's ack secret = HMAC256("sotto_ack", ss) (protocol.md §Ack secrets). */
export const KEY_LABEL_SOTTO_ACK = "sotto_ack";
/** Sotto: replay tag = first 16 bytes of HMAC256("sotto_replay", ss) (protocol.md §Replay tag). */
export const KEY_LABEL_SOTTO_REPLAY = "sotto_replay";
/** Replay tag length (protocol.md §Replay tag: 128 bits). */
export const REPLAY_TAG_SIZE = 16;
/** Ack secret / ticket response length. */
export const ACK_SECRET_SIZE = 32;

// --- BOLT 1 / BOLT 4 TLV types -------------------------------------------------------------------
/** BOLT 4 `onionmsg_tlv.reply_path`. */
export const TLV_REPLY_PATH = 2n;
/** BOLT 4 `onionmsg_tlv.encrypted_recipient_data`. */
export const TLV_ENCRYPTED_RECIPIENT_DATA = 4n;
/** BOLT 4 `encrypted_data_tlv` types. */
export const TLV_ENC_PADDING = 1n;
export const TLV_ENC_SHORT_CHANNEL_ID = 2n;
export const TLV_ENC_NEXT_NODE_ID = 4n;
export const TLV_ENC_PATH_ID = 6n;
export const TLV_ENC_NEXT_PATH_KEY_OVERRIDE = 8n;
export const TLV_ENC_PAYMENT_RELAY = 10n;
export const TLV_ENC_PAYMENT_CONSTRAINTS = 12n;
export const TLV_ENC_ALLOWED_FEATURES = 14n;

/** Sotto hop-payload TLVs: custom range (≥ 2^16), odd (protocol.md §Hop payload). */
export const TLV_SOTTO_NEXT_NODE_ID = 65537n;
export const TLV_SOTTO_NEXT_PATH_KEY = 65539n;
export const TLV_SOTTO_INCOMING_CHALLENGE = 65541n;
export const TLV_SOTTO_OUTGOING_CHALLENGE = 65543n;
export const TLV_SOTTO_AMOUNT_IN = 65545n;
export const TLV_SOTTO_AMOUNT_OUT = 65547n;
export const TLV_SOTTO_FRAGMENT = 65549n;
export const TLV_SOTTO_REPLY_FEES = 65551n;

// --- Sotto link frames (protocol.md §Link frames) -------------------------------------------------
/** Version byte at the start of every link frame. */
export const FRAME_VERSION = 1;
export const FRAME_TYPE_PACKET = 0x01;
export const FRAME_TYPE_ACK = 0x02;
export const FRAME_TYPE_REVEAL = 0x03;
export const FRAME_TYPE_RECEIPT = 0x04;
export const FRAME_TYPE_VOUCHER = 0x05;
export const FRAME_TYPE_NACK = 0x06;
export const FRAME_TYPE_SUBSCRIBE = 0x07;
export const FRAME_TYPE_DRAINED = 0x08;
/** payer (20) + epoch u64 (8) + cumulative u128 (16) + index u64 (8) + challenge (32) + signature (65). */
export const TICKET_WIRE_SIZE = 20 + 8 + 16 + 8 + 32 + 65;
/** version + type + path_key + onion + ticket = 1 + 1 + 33 + 1366 + 149. */
export const PACKET_FRAME_SIZE = 2 + PUBLIC_KEY_SIZE + ONION_PACKET_SIZE + TICKET_WIRE_SIZE;
/** version + type + ack secret. */
export const ACK_FRAME_SIZE = 2 + ACK_SECRET_SIZE;
/** version + type + response. */
export const REVEAL_FRAME_SIZE = 2 + ACK_SECRET_SIZE;
/** version + type + sender hop's ack secret + recipient's ack secret. */
export const RECEIPT_FRAME_SIZE = 2 + 2 * ACK_SECRET_SIZE;
/** version + type + ticket. */
export const VOUCHER_FRAME_SIZE = 2 + TICKET_WIRE_SIZE;
/** version + type + challenge (32) + reason (1). */
export const NACK_FRAME_SIZE = 2 + HASH_SIZE + 1;
/** version + type + recipient node id (33) + timestamp u64 (8) + signature r ‖ s ‖ v (65). */
export const SUBSCRIBE_FRAME_SIZE = 2 + PUBLIC_KEY_SIZE + 8 + 65;
/** version + type + delivered u32. */
export const DRAINED_FRAME_SIZE = 2 + 4;
/** Sotto: SUBSCRIBE signatures are over SHA256("sotto_subscribe" ‖ relay node id ‖ recipient node id ‖ u64 timestamp). */
export const SUBSCRIBE_LABEL = "sotto_subscribe";
/** How far a SUBSCRIBE timestamp may be from the relay's clock (seconds). */
export const SUBSCRIBE_MAX_SKEW_SECONDS = 300;
/** A batch: u16 count, then `count` frames back to back. */
export const MAX_BATCH_FRAMES = 1024;
/** Largest batch a reader must accept (≈ 169 PACKET frames). */
export const MAX_BATCH_SIZE = 256 * 1024;

// --- Tickets (docs/architecture.md) ---------------------------------------------------------------
export const ECDSA_SIGNATURE_SIZE = 65;
export const ADDRESS_SIZE = 20;
export const EIP712_DOMAIN_NAME = "Sotto PaymentChannels";
export const EIP712_DOMAIN_VERSION = "1";
export const TICKET_TYPE = "Ticket(bytes32 channelId,uint64 epoch,uint128 cumulative,uint64 index,bytes32 challenge)";
export const EIP712_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
export const MAX_U64 = (1n << 64n) - 1n;
export const MAX_U128 = (1n << 128n) - 1n;

// --- Messages and fragments (protocol.md §Fragments) ----------------------------------------------
export const MESSAGE_ID_SIZE = 16;
/** message_id (16) + index u16 + count u16. */
export const FRAGMENT_HEADER_SIZE = MESSAGE_ID_SIZE + 2 + 2;
export const MAX_FRAGMENTS = 1024;
export const MAX_MESSAGE_SIZE = 64 * 1024;

// --- Recipient addresses (protocol.md §Recipient address) -----------------------------------------
export const ADDRESS_HRP = "sotto";
export const ADDRESS_VERSION = 0;
export const MAX_ADDRESS_LENGTH = 4096;
/** Blinded paths in addresses and reply paths: at most this many hops. */
export const MAX_BLINDED_HOPS = 16;
