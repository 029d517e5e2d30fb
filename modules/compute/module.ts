/** the compute AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import { EMPTY } from "../core/bytes.ts";
import type { BlockContext } from "../core/context.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import { ComputeVoteExtension, Verdict } from "../../proto/gen/openledger/compute/v1/types.ts";
import type { ComputeBankKeeper, ComputeVerifier } from "./expectedKeepers.ts";
import { type ComputeGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import { escrowInvariant } from "./invariants.ts";
import { type ComputeKeeper, type ExtensionVote, MAX_VERDICTS, validateComputeExtension } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createComputeMsgHandlers } from "./msgServer.ts";
import { type ComputeParams, defaultParams, validateParams } from "./params.ts";
import { createComputeQueries } from "./queryServer.ts";
import {
  type ApprovalGenesis,
  approvalGenesisFromJson,
  approvalGenesisIsEmpty,
  approvalGenesisToJson,
  createApprovalMsgHandlers,
  createApprovalQueries,
  exportApprovalGenesis,
  initApprovalGenesis,
  validateApprovalGenesis,
} from "./govApproval.ts";

const approvalsOf = (g: ComputeGenesis): ApprovalGenesis | undefined => (g as ComputeGenesis & { approvals?: ApprovalGenesis }).approvals;

/**
 * The previous height's compute vote extensions with their powers. The consensus plumbing (vote
 * extensions carried by the proposer's first tx) calls keeper.applyVerdicts itself; until it is wired,
 * a source may be injected (tests, and the dev chain's own extension). Must be deterministic.
 */
export interface VerdictSource {
  take(ctx: BlockContext): { votes: readonly ExtensionVote[]; totalPower: bigint } | undefined;
}

export function createComputeAppModule(k: ComputeKeeper, bank: ComputeBankKeeper, authority: Bytes, verdicts?: VerdictSource, verifier?: ComputeVerifier): AppModule<ComputeParams, ComputeGenesis> {
  return defineModule<ComputeParams, ComputeGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: [...createComputeMsgHandlers(k, authority), ...createApprovalMsgHandlers(authority)],
    queries: [...createComputeQueries(k), ...createApprovalQueries()],
    // governance approvals ride along under "provider_approvals" (omitted when empty; govApproval.ts)
    genesis: {
      defaultGenesis,
      validateGenesis: (g) => {
        validateGenesis(g);
        validateApprovalGenesis(approvalsOf(g));
      },
      initGenesis: async (ctx, g) => {
        await initGenesis(ctx, k, g);
        initApprovalGenesis(ctx, approvalsOf(g));
      },
      exportGenesis: async (ctx) => {
        const g = await exportGenesis(ctx, k);
        const approvals = await exportApprovalGenesis(ctx);
        return approvalGenesisIsEmpty(approvals) ? g : ({ ...g, approvals } as ComputeGenesis);
      },
      fromJson: (j) => {
        const g = genesisFromJson(j);
        const a = (j as { provider_approvals?: unknown } | null | undefined)?.provider_approvals;
        return a === undefined ? g : ({ ...g, approvals: approvalGenesisFromJson(a) } as ComputeGenesis);
      },
      toJson: (g) => {
        const j = genesisToJson(g) as Record<string, unknown>;
        const a = approvalsOf(g);
        return approvalGenesisIsEmpty(a) ? j : { ...j, provider_approvals: approvalGenesisToJson(a as ApprovalGenesis) };
      },
    },
    params: { defaultParams, validateParams },
    ...(verdicts === undefined
      ? {}
      : {
          async beginBlock(ctx: BlockContext) {
            const v = verdicts.take(ctx);
            if (v !== undefined) await k.applyVerdicts(ctx, v.votes, v.totalPower);
          },
        }),
    async endBlock(ctx: BlockContext) {
      await k.endBlock(ctx);
    },
    invariants: { "escrow-balance": escrowInvariant(k, bank) },
    // ExtendVote: replay the submitted results (node service, time-boxed there) and vote a verdict per job
    async extendVote(ctx, block) {
      if (verifier === undefined) return EMPTY;
      const tasks = await k.pendingVerifications(ctx, block.hash);
      if (tasks.length === 0) return EMPTY;
      const out = await verifier.verify(tasks.slice(0, MAX_VERDICTS), { height: block.height, hash: block.hash });
      const seen = new Set<bigint>();
      const verdicts = out
        .filter((v) => (seen.has(v.jobId) ? false : (seen.add(v.jobId), v.resultHash.length === 32)))
        .sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0))
        .map((v) => ({ jobId: v.jobId, resultHash: v.resultHash, verdict: v.match ? Verdict.VERDICT_MATCH : Verdict.VERDICT_MISMATCH }));
      return verdicts.length === 0 ? EMPTY : ComputeVoteExtension.encode({ verdicts }).finish();
    },
    async verifyVoteExtension(_ctx, ext) {
      try {
        validateComputeExtension(ext.data);
        return true;
      } catch {
        return false;
      }
    },
    // FinalizeBlock (before BeginBlock): the ≥2/3-power verdicts of the previous height
    async onVoteExtensions(ctx, set) {
      await k.applyVerdicts(ctx, set.votes.map((v) => ({ validator: v.validator, power: v.power, extension: v.data })), set.totalPower);
    },
  });
}
