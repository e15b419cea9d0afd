import type { PaidBlindedPath } from "#protocol";
import { sendMessage, type SendMessageErrorType, type SendMessageParameters, type SendMessageReturnType } from "./sendMessage.ts";

export type ReplyParameters = Omit<SendMessageParameters, "to"> & {
  /** The reply path that came with a message (`ReceivedMessage.replyPath`), or its `from` address. */
  replyPath: PaidBlindedPath | string;
};
export type ReplyReturnType = SendMessageReturnType;
export type ReplyErrorType = SendMessageErrorType;

/**
 * Answers a message over the reply path it carried, like sending to an address: the replier chooses the
 * relays up to the path's introduction relay and pays them from its own channel. `ReceivedMessage.reply`
 * is this, bound to the message.
 *
 * @param client - A client from `createSottoClient` with a `wallet` and an open channel.
 * @param parameters - {@link ReplyParameters}
 * @returns {@link ReplyReturnType}
 *
 * @example
 * client.onMessage((m) => m.replyPath && reply(client, { replyPath: m.replyPath, message: "pong" }));
 */
export function reply(client: object, parameters: ReplyParameters): Promise<ReplyReturnType> {
  const { replyPath, ...rest } = parameters;
  return sendMessage(client, { ...rest, to: replyPath, allowExpired: true });
}
