/** openledger.compute.v1.Msg: one handler per message (validate → authorize → keeper → events → response). */
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { type Coin, type ProtoCoin, coinFromProto } from "../core/coins.ts";
import { ErrInvalidCoins, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import {
  MsgRegisterProvider,
  MsgRegisterProviderResponse,
  MsgRequestInference,
  MsgRequestInferenceResponse,
  MsgRequestJob,
  MsgRequestJobResponse,
  MsgSubmitResult,
  MsgSubmitResultResponse,
  MsgUnbondProvider,
  MsgUnbondProviderResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
  MsgUpdateProvider,
  MsgUpdateProviderResponse,
} from "../../proto/gen/openledger/compute/v1/tx.ts";
import { JobType } from "../../proto/gen/openledger/compute/v1/types.ts";
import { ErrInvalidField, ErrInvalidInput, ErrInvalidParams, ErrInvalidResult, ErrUnsupportedJobType } from "./errors.ts";
import { type ComputeKeeper, MAX_TEE_QUOTE } from "./keeper.ts";
import { validateParams } from "./params.ts";
import { msgAddress, msgHandlerFactory } from "../core/protoHandlers.ts";

export const TYPE_PREFIX = "/openledger.compute.v1.";
const handler = msgHandlerFactory(TYPE_PREFIX);
/** a hard cap on inline input before params are read (validateBasic is stateless). */
export const HARD_MAX_INPUT = 4 * 1024 * 1024;

const addr = msgAddress;

function coin(c: ProtoCoin | undefined, what: string): Coin {
  if (c === undefined) throw ErrInvalidCoins.wrap(`${what} is required`);
  try {
    return coinFromProto(c);
  } catch {
    throw ErrInvalidCoins.wrap(`invalid ${what} ${JSON.stringify(`${c.amount}${c.denom}`.slice(0, 90))}`);
  }
}



const positiveId = (id: bigint, what: string) => {
  if (id <= 0n) throw ErrInvalidField.wrap(`${what} must be positive`);
};

export function createComputeMsgHandlers(k: ComputeKeeper, authority: Bytes): MsgHandler[] {
  const register = handler("MsgRegisterProvider", MsgRegisterProvider, MsgRegisterProviderResponse, {
    signers: (m) => [addr(m.provider, "provider")],
    validateBasic(m) {
      addr(m.provider, "provider");
      coin(m.bond, "bond");
    },
    async handle(ctx, m) {
      k.registerProvider(ctx, { provider: addr(m.provider, "provider"), bond: coin(m.bond, "bond"), capabilities: m.capabilities, attestationPubkey: m.attestationPubkey, attestationKeyType: m.attestationKeyType, moniker: m.moniker });
      return {};
    },
  });

  const update = handler("MsgUpdateProvider", MsgUpdateProvider, MsgUpdateProviderResponse, {
    signers: (m) => [addr(m.provider, "provider")],
    validateBasic(m) {
      addr(m.provider, "provider");
      if (m.addBond !== undefined && !(m.addBond.denom === "" && (m.addBond.amount === "" || m.addBond.amount === "0"))) coin(m.addBond, "add_bond");
    },
    async handle(ctx, m) {
      const add = m.addBond === undefined || m.addBond.denom === "" ? undefined : coin(m.addBond, "add_bond");
      k.updateProvider(ctx, { provider: addr(m.provider, "provider"), capabilities: m.capabilities, attestationPubkey: m.attestationPubkey, attestationKeyType: m.attestationKeyType, addBond: add, moniker: m.moniker });
      return {};
    },
  });

  const unbond = handler("MsgUnbondProvider", MsgUnbondProvider, MsgUnbondProviderResponse, {
    signers: (m) => [addr(m.provider, "provider")],
    validateBasic(m) {
      addr(m.provider, "provider");
    },
    async handle(ctx, m) {
      return { releaseHeight: k.unbondProvider(ctx, addr(m.provider, "provider")) };
    },
  });

  const requestInference = handler("MsgRequestInference", MsgRequestInference, MsgRequestInferenceResponse, {
    signers: (m) => [addr(m.requester, "requester")],
    validateBasic(m) {
      addr(m.requester, "requester");
      positiveId(m.modelId, "model_id");
      coin(m.maxFee, "max_fee");
      if (m.input.length === 0 && m.inputBlobHash.length === 0) throw ErrInvalidInput.wrap("input or input_blob_hash is required");
      if (m.input.length > HARD_MAX_INPUT) throw ErrInvalidInput.wrap(`input larger than ${HARD_MAX_INPUT} bytes`);
    },
    async handle(ctx, m) {
      const jobId = k.requestJob(ctx, { requester: addr(m.requester, "requester"), jobType: JobType.JOB_TYPE_INFERENCE, modelId: m.modelId, input: m.input, inputBlobHash: m.inputBlobHash, maxFee: coin(m.maxFee, "max_fee") });
      return { jobId };
    },
  });

  const requestJob = handler("MsgRequestJob", MsgRequestJob, MsgRequestJobResponse, {
    signers: (m) => [addr(m.requester, "requester")],
    validateBasic(m) {
      addr(m.requester, "requester");
      positiveId(m.modelId, "model_id");
      coin(m.maxFee, "max_fee");
      if (m.jobType !== JobType.JOB_TYPE_EMBEDDING_INDEX && m.jobType !== JobType.JOB_TYPE_TRAINING) throw ErrUnsupportedJobType.wrap("MsgRequestJob takes embedding-index or training jobs (inference: MsgRequestInference)");
      if (m.input.length > HARD_MAX_INPUT) throw ErrInvalidInput.wrap(`input larger than ${HARD_MAX_INPUT} bytes`);
    },
    async handle(ctx, m) {
      const jobId = k.requestJob(ctx, { requester: addr(m.requester, "requester"), jobType: m.jobType, modelId: m.modelId, input: m.input, inputBlobHash: m.inputBlobHash, maxFee: coin(m.maxFee, "max_fee") });
      return { jobId };
    },
  });

  const submit = handler("MsgSubmitResult", MsgSubmitResult, MsgSubmitResultResponse, {
    signers: (m) => [addr(m.provider, "provider")],
    validateBasic(m) {
      addr(m.provider, "provider");
      positiveId(m.jobId, "job_id");
      if (m.result === undefined) throw ErrInvalidResult.wrap("result is required");
      if (m.attestation.length !== 64) throw ErrInvalidResult.wrap("attestation must be a 64-byte signature");
      if (m.teeQuote.length > MAX_TEE_QUOTE) throw ErrInvalidField.wrap(`tee_quote longer than ${MAX_TEE_QUOTE} bytes`);
    },
    async handle(ctx, m) {
      if (m.result === undefined) throw ErrInvalidResult.wrap("result is required");
      return { resultHash: k.submitResult(ctx, addr(m.provider, "provider"), m.jobId, m.result, m.attestation, m.teeQuote) };
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
      const p = m.params;
      if (p === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(p);
      k.setParams(ctx, p);
      return {};
    },
  });

  return [register, update, unbond, requestInference, requestJob, submit, updateParams] as MsgHandler[];
}
