import type { Command } from "../command.ts";
import { onionBuild } from "./onion/build.ts";
import { onionPeel } from "./onion/peel.ts";
import { relayInit } from "./relay/init.ts";
import { relayRegister } from "./relay/register.ts";
import { relaySettle } from "./relay/settle.ts";
import { relayStart } from "./relay/start.ts";
import { relayStatus } from "./relay/status.ts";
import { relayUnstake, relayWithdraw } from "./relay/unstake.ts";

/** Every `sotto` command. Each lives in its own module under cmds/<group>/. */
export const commands: readonly Command[] = [
  relayInit,
  relayRegister,
  relayStart,
  relayStatus,
  relaySettle,
  relayUnstake,
  relayWithdraw,
  onionBuild,
  onionPeel,
];
