/**
 * Compute-provider approvals decided by governance (issue 6 item 5; gov engineer, compute's area — new
 * file). The gov authority approves or suspends a provider (MsgSetProviderApproval) and may require
 * approval for job assignment (MsgSetApprovalRequired). Job assignment (keeper.endBlock) asks
 * `eligibleForJobs`: SUSPENDED → never; with approval required → APPROVED only; else every active
 * provider. Jobs already assigned run to their end.
 *
 * Store (namespace compute/): 0x20 | lp(provider) → ProviderApproval; 0x21 → u8 approval required.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { concat, equal, lengthPrefixed } from "../core/bytes.ts";
import type { QueryContext, ReadContext, WriteContext } from "../core/context.ts";
import { ErrUnauthorized, grpcError } from "../core/errors.ts";
import type { MsgHandler, QueryHandler } from "../core/module.ts";
import {
  ApprovalGenesis,
  ApprovalStatus,
  MsgSetApprovalRequired,
  MsgSetApprovalRequiredResponse,
  MsgSetProviderApproval,
  MsgSetProviderApprovalResponse,
  ProviderApproval,
  QueryProviderApprovalRequest,
  QueryProviderApprovalResponse,
  QueryProviderApprovalsRequest,
  QueryProviderApprovalsResponse,
} from "../../proto/gen/openledger/compute/v1/approval.ts";
import { ErrInvalidField } from "./errors.ts";
import { emitTyped } from "./events.ts";
import { MODULE_NAME } from "./keys.ts";
import { msgAddress } from "../core/protoHandlers.ts";
import { snakeKeys } from "../core/protoJson.ts";

const APPROVAL_PREFIX = 0x20;
const REQUIRED_KEY: Bytes = Uint8Array.of(0x21);
const approvalKey = (provider: Bytes): Bytes => concat(Uint8Array.of(APPROVAL_PREFIX), lengthPrefixed(provider));
const MAX_REASON = 512;

export function getApproval(ctx: ReadContext, provider: Bytes): ProviderApproval | undefined {
  const b = ctx.store(MODULE_NAME).get(approvalKey(provider));
  return b === undefined ? undefined : ProviderApproval.decode(b);
}

export function approvalRequired(ctx: ReadContext): boolean {
  return ctx.store(MODULE_NAME).get(REQUIRED_KEY)?.[0] === 1;
}

/** may `provider` (bech32) be assigned new jobs under the governance policy? */
export function eligibleForJobs(ctx: ReadContext, provider: string): boolean {
  const a = getApproval(ctx, accAddressFromString(provider));
  if (a?.status === ApprovalStatus.APPROVAL_STATUS_SUSPENDED) return false;
  return !approvalRequired(ctx) || a?.status === ApprovalStatus.APPROVAL_STATUS_APPROVED;
}

const addr = msgAddress;

export function createApprovalMsgHandlers(authority: Bytes): MsgHandler[] {
  const gov = (a: string) => {
    if (!equal(addr(a, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${a}`);
  };
  const set: MsgHandler<MsgSetProviderApproval, MsgSetProviderApprovalResponse> = {
    typeUrl: "/openledger.compute.v1.MsgSetProviderApproval",
    responseTypeUrl: "/openledger.compute.v1.MsgSetProviderApprovalResponse",
    decode: (b) => MsgSetProviderApproval.decode(b),
    encodeResponse: (r) => MsgSetProviderApprovalResponse.encode(r).finish(),
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      addr(m.provider, "provider");
      if (m.status < 0 || m.status > 2) throw ErrInvalidField.wrap(`invalid approval status ${m.status}`);
      if (m.reason.length > MAX_REASON) throw ErrInvalidField.wrap(`reason longer than ${MAX_REASON}`);
    },
    async handle(ctx, m) {
      gov(m.authority);
      const p = addr(m.provider, "provider");
      const st = ctx.store(MODULE_NAME);
      if (m.status === ApprovalStatus.APPROVAL_STATUS_UNSPECIFIED) st.delete(approvalKey(p));
      else st.set(approvalKey(p), ProviderApproval.encode({ provider: accAddressToString(p), status: m.status, reason: m.reason, height: ctx.block.height }).finish());
      emitTyped(ctx, "EventProviderApprovalSet", { provider: accAddressToString(p), status: m.status, reason: m.reason });
      return {};
    },
  };
  const required: MsgHandler<MsgSetApprovalRequired, MsgSetApprovalRequiredResponse> = {
    typeUrl: "/openledger.compute.v1.MsgSetApprovalRequired",
    responseTypeUrl: "/openledger.compute.v1.MsgSetApprovalRequiredResponse",
    decode: (b) => MsgSetApprovalRequired.decode(b),
    encodeResponse: (r) => MsgSetApprovalRequiredResponse.encode(r).finish(),
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic: (m) => void addr(m.authority, "authority"),
    async handle(ctx, m) {
      gov(m.authority);
      ctx.store(MODULE_NAME).set(REQUIRED_KEY, Uint8Array.of(m.required ? 1 : 0));
      emitTyped(ctx, "EventApprovalRequiredSet", { required: m.required });
      return {};
    },
  };
  return [set, required] as MsgHandler[];
}

export function createApprovalQueries(): QueryHandler[] {
  const q = <Q, R>(name: string, req: { decode(b: Uint8Array): Q }, res: { encode(r: R): { finish(): Uint8Array } }, handle: (ctx: QueryContext, r: Q) => Promise<R>): QueryHandler<Q, R> => ({
    path: `/openledger.compute.v1.Query/${name}`,
    decode: (b) => req.decode(b),
    encode: (r) => res.encode(r).finish(),
    handle,
  });
  return [
    q("ProviderApproval", QueryProviderApprovalRequest, QueryProviderApprovalResponse, async (ctx, r) => {
      let p: Bytes;
      try {
        p = accAddressFromString(r.provider);
      } catch {
        throw grpcError("InvalidArgument", `invalid provider address ${JSON.stringify(r.provider.slice(0, 90))}`);
      }
      const res: QueryProviderApprovalResponse = { approval: getApproval(ctx, p), eligible: eligibleForJobs(ctx, accAddressToString(p)), approvalRequired: approvalRequired(ctx) };
      return res;
    }),
    q("ProviderApprovals", QueryProviderApprovalsRequest, QueryProviderApprovalsResponse, async (ctx) => {
      const approvals: ProviderApproval[] = [];
      for await (const [, v] of ctx.store(MODULE_NAME).iterate({ prefix: Uint8Array.of(APPROVAL_PREFIX) })) approvals.push(ProviderApproval.decode(v));
      return { approvals, approvalRequired: approvalRequired(ctx) };
    }),
  ] as QueryHandler[];
}

// ---- genesis: approvals ride in the compute genesis under "provider_approvals" ----

export type { ApprovalGenesis };

export const approvalGenesisIsEmpty = (a: ApprovalGenesis | undefined): boolean => a === undefined || (a.approvals.length === 0 && !a.approvalRequired);

export function validateApprovalGenesis(a: ApprovalGenesis | undefined): void {
  if (a === undefined) return;
  const seen = new Set<string>();
  for (const x of a.approvals) {
    addr(x.provider, "provider");
    if (seen.has(x.provider)) throw ErrInvalidField.wrap(`provider_approvals: duplicate ${x.provider}`);
    seen.add(x.provider);
    if (x.status !== ApprovalStatus.APPROVAL_STATUS_APPROVED && x.status !== ApprovalStatus.APPROVAL_STATUS_SUSPENDED) throw ErrInvalidField.wrap(`provider_approvals: invalid status ${x.status}`);
  }
}

export function initApprovalGenesis(ctx: WriteContext, a: ApprovalGenesis | undefined): void {
  if (a === undefined) return;
  const st = ctx.store(MODULE_NAME);
  for (const x of a.approvals) st.set(approvalKey(accAddressFromString(x.provider)), ProviderApproval.encode(x).finish());
  if (a.approvalRequired) st.set(REQUIRED_KEY, Uint8Array.of(1));
}

export async function exportApprovalGenesis(ctx: ReadContext): Promise<ApprovalGenesis> {
  const approvals: ProviderApproval[] = [];
  for await (const [, v] of ctx.store(MODULE_NAME).iterate({ prefix: Uint8Array.of(APPROVAL_PREFIX) })) approvals.push(ProviderApproval.decode(v));
  return { approvals, approvalRequired: approvalRequired(ctx) };
}


export const approvalGenesisToJson = (a: ApprovalGenesis): unknown => snakeKeys(ApprovalGenesis.toJSON(a));
export const approvalGenesisFromJson = (j: unknown): ApprovalGenesis => ApprovalGenesis.fromJSON(j ?? {});
