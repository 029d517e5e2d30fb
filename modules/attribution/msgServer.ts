/**
 * openledger.attribution.v1.Msg: RegisterModel, SetEmbeddingIndex, AuditModel, UpdateParams (gov authority).
 * There is deliberately no public message that attributes an inference: receipts are written by
 * `keeper.attributeInference`, which the compute/treasury flow calls from FinalizeBlock.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import {
  MsgAuditModel,
  MsgAuditModelResponse,
  MsgRegisterModel,
  MsgRegisterModelResponse,
  MsgSetEmbeddingIndex,
  MsgSetEmbeddingIndexResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
} from "../../proto/gen/openledger/attribution/v1/tx.ts";
import { ErrInvalidField, ErrInvalidParams } from "./errors.ts";
import type { AttributionKeeper } from "./keeper.ts";
import { validateParams } from "./params.ts";
import { msgAddress, msgHandlerFactory } from "../core/protoHandlers.ts";

export const TYPE_PREFIX = "/openledger.attribution.v1.";
const handler = msgHandlerFactory(TYPE_PREFIX);

const addr = msgAddress;



export function createAttributionMsgHandlers(k: AttributionKeeper, authority: Bytes): MsgHandler[] {
  const register = handler("MsgRegisterModel", MsgRegisterModel, MsgRegisterModelResponse, {
    signers: (m) => [addr(m.owner, "owner")],
    validateBasic(m) {
      addr(m.owner, "owner");
      if (m.snapshotId <= 0n) throw ErrInvalidField.wrap("snapshot_id must be positive");
      if (m.name.trim() === "") throw ErrInvalidField.wrap("name is required");
    },
    async handle(ctx, m) {
      const id = k.registerModel(ctx, {
        owner: addr(m.owner, "owner"),
        name: m.name,
        snapshotId: m.snapshotId,
        snapshotRoot: m.snapshotRoot,
        onnxHash: m.onnxHash,
        trainingConfigHash: m.trainingConfigHash,
        checkpointHashes: m.checkpointHashes,
        feePolicy: m.feePolicy,
        embeddingDim: m.embeddingDim,
        tau: m.tau,
      });
      return { modelId: id };
    },
  });

  const setIndex = handler("MsgSetEmbeddingIndex", MsgSetEmbeddingIndex, MsgSetEmbeddingIndexResponse, {
    signers: (m) => [addr(m.owner, "owner")],
    validateBasic(m) {
      addr(m.owner, "owner");
      if (m.modelId <= 0n) throw ErrInvalidField.wrap("model_id must be positive");
      if (m.vectors.length === 0 || m.vectors.length % 2 !== 0) throw ErrInvalidField.wrap("vectors must hold whole int16 values");
    },
    async handle(ctx, m) {
      let model = k.setEmbeddingIndex(ctx, addr(m.owner, "owner"), m.modelId, m.start, m.vectors);
      if (model.indexComplete && model.indexBuilder !== "") model = await k.checkBuiltIndex(ctx, m.modelId);
      return { indexedPoints: model.indexedPoints, complete: model.indexComplete };
    },
  });

  const audit = handler("MsgAuditModel", MsgAuditModel, MsgAuditModelResponse, {
    signers: (m) => [addr(m.sender, "sender")],
    validateBasic(m) {
      addr(m.sender, "sender");
      if (m.modelId <= 0n) throw ErrInvalidField.wrap("model_id must be positive");
    },
    async handle(ctx, m) {
      const r = await k.auditModel(ctx, addr(m.sender, "sender"), m.modelId);
      return { points: r.points, flagged: r.flagged };
    },
  });

  const updateParams = handler("MsgUpdateParams", MsgUpdateParams, MsgUpdateParamsResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      if (m.params === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(m.params);
    },
    async handle(ctx, m) {
      if (!equal(addr(m.authority, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      if (m.params === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(m.params);
      k.setParams(ctx, m.params);
      return {};
    },
  });

  return [register, setIndex, audit, updateParams] as MsgHandler[];
}
