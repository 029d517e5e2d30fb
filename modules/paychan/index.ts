/** paychan: payment channels for streams of inferences (deposit, signed cumulative vouchers, redeem, close, dispute, settle). */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { PaychanBankKeeper } from "./expectedKeepers.ts";
import type { PaychanGenesis } from "./genesis.ts";
import { type PaychanKeeper, createPaychanKeeper } from "./keeper.ts";
import { createPaychanAppModule } from "./module.ts";
import type { PaychanParams } from "./params.ts";

export type { PaychanKeeper, OpenInput } from "./keeper.ts";
export type { PaychanGenesis } from "./genesis.ts";
export type { PaychanParams } from "./params.ts";
export type { PaychanBankKeeper } from "./expectedKeepers.ts";
export { MODULE_NAME as PAYCHAN_MODULE_NAME, ESCROW_ACCOUNT as PAYCHAN_ESCROW_ACCOUNT } from "./keys.ts";
export { genesisToJson as paychanGenesisToJson, defaultGenesis as defaultPaychanGenesis } from "./genesis.ts";
export { voucherSignBytes, voucherDigest, signVoucher, verifyVoucher, VOUCHER_DOMAIN } from "./voucher.ts";

export function createPaychanModule(deps: { bank: PaychanBankKeeper; authority: Bytes }): { module: AppModule<PaychanParams, PaychanGenesis>; keeper: PaychanKeeper } {
  const keeper = createPaychanKeeper({ bank: deps.bank });
  return { module: createPaychanAppModule(keeper, deps.bank, deps.authority), keeper };
}
