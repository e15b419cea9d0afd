// Production deployment: RelayRegistry and PaymentChannels for existing ERC-20 tokens.
//
//   npx hardhat ignition deploy ignition/modules/Sotto.ts --network <net> --parameters params.json
//   params.json: { "Sotto": { "stakingToken": "0x…", "paymentToken": "0x…",
//                             "minimumStake": "100000000000000000000n", "unbondingDelay": "604800n",
//                             "closeNoticePeriod": "86400n" } }
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { deployCore } from "./core.ts";

export default buildModule("Sotto", (m) => {
  const stakingToken = m.getParameter<string>("stakingToken");
  const paymentToken = m.getParameter<string>("paymentToken");
  return deployCore(m, { stakingToken, paymentToken });
});
