import type { Command } from "../command.ts";
import { onionBuild } from "./onion/build.ts";
import { onionPeel } from "./onion/peel.ts";
import { relayInit } from "./relay/init.ts";

/** Every `sotto` command. Each lives in its own module under cmds/<group>/. */
export const commands: readonly Command[] = [
  relayInit,
  onionBuild,
  onionPeel,
];
