import type { Command } from "../command.ts";
import { demo } from "./demo/demo.ts";
import { onionBuild } from "./onion/build.ts";
import { onionPeel } from "./onion/peel.ts";
import { relayInit } from "./relay/init.ts";
import { relayRegister } from "./relay/register.ts";
import { relaySettle } from "./relay/settle.ts";
import { relayStart } from "./relay/start.ts";
import { relayStatus } from "./relay/status.ts";
import { relayUnstake, relayWithdraw } from "./relay/unstake.ts";
import { address } from "./address/address.ts";
import { channelClose } from "./channel/close.ts";
import { channelFund, channelOpen } from "./channel/fund.ts";
import { channelShow } from "./channel/show.ts";
import { clientInit } from "./client/init.ts";
import { clientServe } from "./client/serve.ts";
import { inbox } from "./inbox/inbox.ts";
import { relaysList } from "./relays/list.ts";
import { send } from "./send/send.ts";

/** Every `sotto` command. Each lives in its own module under cmds/<group>/. */
export const commands: readonly Command[] = [
  demo,
  relayInit,
  relayRegister,
  relayStart,
  relayStatus,
  relaySettle,
  relayUnstake,
  relayWithdraw,
  onionBuild,
  onionPeel,
  clientInit,
  clientServe,
  relaysList,
  channelOpen,
  channelFund,
  channelClose,
  channelShow,
  address,
  send,
  inbox,
];
