import { IdentityRequiredError, type IdentityRequiredErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import type { MessageHandler } from "../types.ts";

export type OnMessageReturnType = () => void;
export type OnMessageErrorType = IdentityRequiredErrorType;

/**
 * Registers a handler for complete messages (reassembled, deduplicated by message id). Messages that came
 * in while no handler was registered are handed to the first one. Returns a function that unregisters it.
 *
 * @param client - A client from `createSottoClient` with an `identityKey`.
 * @param handler - Called with each {@link ReceivedMessage}; `message.reply(…)` answers over its reply path.
 * @returns Unsubscribe.
 *
 * @example
 * const off = onMessage(client, async (m) => { if (m.reply) await m.reply(`got: ${m.text}`); });
 */
export function onMessage(client: object, handler: MessageHandler): OnMessageReturnType {
  const state = getState(client);
  if (!state.receiver) throw new IdentityRequiredError({ operation: "Receiving messages" });
  return state.receiver.onMessage(handler);
}
