import type { Command } from "../command.ts";
import { onionBuild } from "./onion/build.ts";
import { onionPeel } from "./onion/peel.ts";
import { relayInit } from "./relay/init.ts";
import { relayRegister } from "./relay/register.ts";
import { relayStart } from "./relay/start.ts";

/** Every `sotto` command. Each lives in its own module under cmds/<group>/. */
export const commands: readonly Command[] = [
  relayInit,
  relayRegister,
  relayStart,
  onionBuild,
  onionPeel,
];
