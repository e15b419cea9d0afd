import type { Command } from "../command.ts";
import { relayInit } from "./relay/init.ts";

/** Every `sotto` command. Each lives in its own module under cmds/<group>/. */
export const commands: readonly Command[] = [
  relayInit,
];
