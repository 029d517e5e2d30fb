/** slashing params validation (SDK x/slashing/types/params.go). */
import { DEC_ONE } from "../core/dec.ts";
import { ErrInvalidRequest } from "../core/errors.ts";
import type { SlashingParams } from "./keeper.ts";

export { defaultParams } from "./keeper.ts";

export function validateParams(p: SlashingParams): void {
  if (p.signedBlocksWindow <= 0n) throw ErrInvalidRequest.wrap("signed blocks window must be positive");
  if (p.minSignedPerWindow < 0n || p.minSignedPerWindow > DEC_ONE) throw ErrInvalidRequest.wrap("min signed per window must be in [0, 1]");
  if (p.downtimeJailDuration.seconds < 0n || (p.downtimeJailDuration.seconds === 0n && p.downtimeJailDuration.nanos <= 0)) throw ErrInvalidRequest.wrap("downtime jail duration must be positive");
  if (p.slashFractionDoubleSign < 0n || p.slashFractionDoubleSign > DEC_ONE) throw ErrInvalidRequest.wrap("double sign slash fraction must be in [0, 1]");
  if (p.slashFractionDowntime < 0n || p.slashFractionDowntime > DEC_ONE) throw ErrInvalidRequest.wrap("downtime slash fraction must be in [0, 1]");
}
