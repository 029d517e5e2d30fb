/** cosmos.slashing.v1beta1.Query: Params, SigningInfo, SigningInfos. */
import { QueryParamsRequest, QueryParamsResponse, QuerySigningInfoRequest, QuerySigningInfoResponse, QuerySigningInfosRequest, QuerySigningInfosResponse } from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { BECH32_PREFIX, fromBech32 } from "../core/address.ts";
import { utf8 } from "../core/bytes.ts";
import { AppError, grpcError } from "../core/errors.ts";
import { type QueryHandler, protoQuery } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { MODULE_NAME, PREFIX, type SlashingKeeper, signingInfoToProto } from "./keeper.ts";

const P = "/cosmos.slashing.v1beta1.Query/";

export function createSlashingQueries(k: SlashingKeeper): QueryHandler[] {
  return [
    protoQuery(`${P}Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => {
      const p = k.getParams(ctx);
      return {
        params: { signedBlocksWindow: p.signedBlocksWindow, minSignedPerWindow: utf8(p.minSignedPerWindow.toString()), downtimeJailDuration: p.downtimeJailDuration, slashFractionDoubleSign: utf8(p.slashFractionDoubleSign.toString()), slashFractionDowntime: utf8(p.slashFractionDowntime.toString()) },
      };
    }),
    protoQuery(`${P}SigningInfo`, QuerySigningInfoRequest, QuerySigningInfoResponse, async (ctx, req) => {
      if (req.consAddress === "") throw grpcError("InvalidArgument", "invalid request");
      let cons: Uint8Array;
      try {
        cons = fromBech32(BECH32_PREFIX.consensus, req.consAddress);
      } catch (e: unknown) {
        throw grpcError("InvalidArgument", e instanceof AppError ? e.log : String(e));
      }
      const info = k.getSigningInfo(ctx, cons);
      if (info === undefined) throw grpcError("NotFound", `SigningInfo not found for validator ${req.consAddress}`);
      return { valSigningInfo: signingInfoToProto(info) };
    }),
    protoQuery(`${P}SigningInfos`, QuerySigningInfosRequest, QuerySigningInfosResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), Uint8Array.of(PREFIX.signingInfo), req.pagination, (_k, v) => ValidatorSigningInfo.decode(v));
      return { info: page.items, pagination: page.pagination };
    }),
  ] as QueryHandler[];
}
