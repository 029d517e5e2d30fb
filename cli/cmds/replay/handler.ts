/**
 * `openledgerd replay`: re-executes every stored block from genesis into a fresh in-memory application
 * and checks each app hash against the chain's own headers (CometBFT `replay`-style audit; the node must be
 * stopped, because LevelDB allows one process per database). It proves that the stored blocks alone
 * reproduce the committed state: determinism, and nothing committed outside a block.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryBackend } from "../../../modules/core/store/memory.ts";
import { toHex } from "../../../modules/core/bytes.ts";
import { AppConn } from "../../../node/app/appConn.ts";
import { replayAllBlocks } from "../../../node/app/handshake.ts";
import { createNativeSecp256k1Verifier } from "../../../node/crypto/secp256k1Native.ts";
import { BlockStore } from "../../../node/storage/blockStore.ts";
import { NodeDb } from "../../../node/storage/db.ts";
import { openLevelBackend } from "../../../node/storage/levelBackend.ts";
import { StateStore } from "../../../node/storage/stateStore.ts";
import { loadApp } from "../../app.ts";
import { homePaths } from "../../config/paths.ts";
import { parseGenesisDoc } from "../../node.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { emit, type CliIo, type OutputFormat } from "../../util/io.ts";

export async function replay(io: CliIo, output: OutputFormat, home: string, toHeight: bigint | undefined): Promise<void> {
  const p = homePaths(home);
  if (!existsSync(p.genesis)) throw new UserError(`no genesis at ${p.genesis}`);
  const genesisJson = readFileSync(p.genesis, "utf8");
  const genesis = await parseGenesisDoc(genesisJson, p.genesis);
  let backend: Awaited<ReturnType<typeof openLevelBackend>>;
  try {
    backend = await openLevelBackend(join(p.dataDir, "node.db"));
  } catch (e) {
    throw new UserError(`cannot open ${join(p.dataDir, "node.db")}: ${errorMessage(e)} (stop the node first)`);
  }
  const db = new NodeDb(backend);
  const { createOpenLedgerApp } = await loadApp();
  const app = await createOpenLedgerApp({ backend: new MemoryBackend(), sigVerifier: createNativeSecp256k1Verifier() });
  const conn = new AppConn(app);
  const started = performance.now();
  try {
    const blockStore = new BlockStore(db);
    const stateStore = new StateStore(db);
    const top = blockStore.height();
    if (top === 0n) throw new UserError("the block store is empty: nothing to replay");
    const target = toHeight !== undefined && toHeight < top ? toHeight : top;
    if (output === "text") io.err(`replaying blocks ${genesis.initialHeight}..${target} into a fresh app`);
    let res: { height: bigint; appHash: Uint8Array }[];
    try {
      res = await replayAllBlocks({ app: conn, blockStore, stateStore, genesis, toHeight: target });
    } catch (e) {
      throw new UserError(`replay diverged: ${errorMessage(e)}`);
    }
    const last = res[res.length - 1];
    const seconds = (performance.now() - started) / 1000;
    emit(
      io,
      output,
      { blocks: res.length, from_height: genesis.initialHeight.toString(), to_height: last?.height.toString() ?? "0", app_hash: last ? toHex(last.appHash).toUpperCase() : "", seconds: Number(seconds.toFixed(2)), verified: true },
      `replayed ${res.length} blocks in ${seconds.toFixed(2)} s: every app hash matches (height ${last?.height}, app hash ${last ? toHex(last.appHash).toUpperCase() : ""})`,
    );
  } finally {
    await conn.close({ closeApp: true }).catch(() => undefined);
    await db.close();
  }
}
