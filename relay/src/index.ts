/** The relay daemon's public API, used by the CLI and tests. */
export { createAdminApi, type AdminBackend } from "./api/adminApi.ts";
export { loadRelayConfig, relayConfigSchema, type RelayConfig } from "./config/relayConfig.ts";
export { ConfigError } from "./config/schema.ts";
export { relayBackend } from "./crypto.ts";
export { createKeyFile, loadKeyFile, KeyFileError, type RelayKeys } from "./keys/keyFile.ts";
export { publicKeyFromPrivate } from "./keys/onionKey.ts";
export { createLogger, type Logger } from "./log.ts";
export { Relay, RelayStartError, type RelayInit } from "./relay.ts";
export { RELAY_NODE_FLAGS, YOUNG_GENERATION_MIB, youngGenerationMiB } from "./runtime/heapFlags.ts";
export { createRelayMetrics, type RelayMetrics } from "./metrics.ts";
export { peerIdHex, peerIdString } from "#net";
