/**
 * Node-only parts of the client SDK (`#client/node`): file storage, key files, the local HTTP/WebSocket
 * API. Never import this from code meant for browsers; everything portable is in `./index.ts`.
 */
export { createApiServer, toApiMessage } from "./api/createApiServer.ts";
export type { ApiMessage, CreateApiServerParameters } from "./api/createApiServer.ts";
export { createClientKeyFile, loadClientKeyFile, KeyFileError } from "./keyFile.ts";
export type { ClientKeys } from "./keyFile.ts";
export { createFileStorage, StorageFileError } from "./storage/createFileStorage.ts";
export { defaultBackend } from "./nodeDefaults.ts";
