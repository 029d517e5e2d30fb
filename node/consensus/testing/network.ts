/**
 * An in-process BFT network for tests: N validators, each a full `startNode` (real libp2p on
 * 127.0.0.1:0, FilePV and WAL in a temp home, the kv test app and the node database in memory backends
 * that survive a restart), dialled into a full mesh.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBackend } from "../../../modules/core/store/memory.ts";
import type { KvBackend } from "../../../modules/core/store/types.ts";
import { loadOrGenPrivValidatorKey } from "../../crypto/keyFiles.ts";
import { type NodeDeps, type RunningNode, startNode } from "../../node.ts";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "../../options.ts";
import { TEST_CHAIN_ID, testConsensusParams } from "../../testing/chain.ts";
import { KvApp } from "../../testing/kvApp.ts";
import type { GenesisDoc } from "../../types/genesis.ts";
import { silentLogger } from "../../util/logger.ts";
import type { TimeoutParams } from "../state.ts";

export const TEST_BFT_TIMEOUTS: Partial<TimeoutParams> = {
  proposeMs: 800,
  proposeDeltaMs: 200,
  prevoteMs: 300,
  prevoteDeltaMs: 200,
  precommitMs: 300,
  precommitDeltaMs: 200,
  commitMs: 80,
  capMs: 5000,
};

export interface TestValidator {
  home: string;
  appBackend: KvBackend;
  nodeBackend: KvBackend;
  node: RunningNode | undefined;
  /** the app of the running node (the kv app unless `start` got another). */
  app: NodeDeps["app"] | undefined;
}

export interface TestNetwork {
  genesis: GenesisDoc;
  vals: TestValidator[];
  /** `consensus` overrides node options of [consensus] (e.g. doubleSignCheckHeight). */
  start(i: number, extra?: Partial<NodeDeps>, consensus?: Partial<NodeOptions["consensus"]>): Promise<RunningNode>;
  stop(i: number): Promise<void>;
  /** dials every running node from node i (and waits for the connections). */
  connect(i: number): Promise<void>;
  running(): RunningNode[];
  close(): Promise<void>;
}

export async function createTestNetwork(n: number, o: { timeouts?: Partial<TimeoutParams>; voteExtensionsEnableHeight?: bigint } = {}): Promise<TestNetwork> {
  const root = mkdtempSync(join(tmpdir(), "ol-bft-"));
  const vals: TestValidator[] = [];
  const genVals: GenesisDoc["validators"] = [];
  for (let i = 0; i < n; i++) {
    const home = join(root, `node${i}`);
    mkdirSync(join(home, "config"), { recursive: true });
    const key = loadOrGenPrivValidatorKey(join(home, "config", "priv_validator_key.json"));
    genVals.push({ address: key.address, pubKey: { type: "ed25519", value: key.publicKey }, power: 10n, name: `val${i}` });
    vals.push({ home, appBackend: new MemoryBackend(), nodeBackend: new MemoryBackend(), node: undefined, app: undefined });
  }
  const genesis: GenesisDoc = {
    genesisTime: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
    chainId: TEST_CHAIN_ID,
    initialHeight: 1n,
    consensusParams: testConsensusParams(o.voteExtensionsEnableHeight ?? 0n),
    validators: genVals,
    appHash: new Uint8Array(0),
    appState: { genesis: "yes" },
  };
  const options = (home: string, consensus: Partial<NodeOptions["consensus"]> = {}): NodeOptions => ({
    ...DEFAULT_NODE_OPTIONS,
    home,
    chainId: TEST_CHAIN_ID,
    rpc: { ...DEFAULT_NODE_OPTIONS.rpc, laddr: "127.0.0.1:0" },
    p2p: { laddr: "tcp://127.0.0.1:0", persistentPeers: [], seeds: [] },
    consensus: {
      blockIntervalMs: 80,
      createEmptyBlocks: true,
      engine: "bft",
      timeouts: { ...TEST_BFT_TIMEOUTS, ...o.timeouts },
      blockSyncGraceMs: 400,
      ...consensus,
    },
  });
  const net: TestNetwork = {
    genesis,
    vals,
    async start(i, extra = {}, consensus = {}) {
      const v = vals[i]!;
      if (v.node !== undefined) throw new Error(`node ${i} is running`);
      v.app = extra.app ?? new KvApp({ backend: v.appBackend });
      v.node = await startNode(options(v.home, consensus), {
        app: v.app,
        logger: silentLogger(),
        genesis,
        genesisJson: JSON.stringify({ app_state: { genesis: "yes" } }),
        nodeDbBackend: v.nodeBackend,
        ...extra,
      });
      return v.node;
    },
    async stop(i) {
      const v = vals[i]!;
      const node = v.node;
      v.node = undefined;
      await node?.stop();
    },
    async connect(i) {
      const me = vals[i]!.node!.bft!.host;
      const others = vals.filter((v, j) => j !== i && v.node !== undefined).map((v) => v.node!.bft!.host);
      await Promise.all(
        others.map(async (h) => {
          if (me.isConnected(h.nodeId)) return;
          await me.dial(h.listenAddresses()[0]!);
        }),
      );
      const until = Date.now() + 5000;
      while (!others.every((h) => me.isConnected(h.nodeId) && h.isConnected(me.nodeId))) {
        if (Date.now() > until) throw new Error(`node ${i} could not connect to its peers`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    running() {
      return vals.flatMap((v) => (v.node === undefined ? [] : [v.node]));
    },
    async close() {
      await Promise.all(vals.map((_, i) => net.stop(i)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return net;
}

/** polls `cond` every 20 ms until true; throws after `ms`. */
export async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
