/** paychan params (MsgUpdateParams, gov authority only). */
import type { Params } from "../../proto/gen/openledger/paychan/v1/types.ts";
import { ErrInvalidParams } from "./errors.ts";

export type PaychanParams = Params;

export function defaultParams(): PaychanParams {
  return { minSettleWindow: 2n, maxSettleWindow: 100_000n };
}

export function validateParams(p: PaychanParams): void {
  if (p.minSettleWindow < 1n) throw ErrInvalidParams.wrap("min_settle_window must be at least 1 block");
  if (p.maxSettleWindow < p.minSettleWindow) throw ErrInvalidParams.wrap("max_settle_window must be at least min_settle_window");
}
