/**
 * `--prove`: fetch a raw store entry with an ICS-23 proof at height h (abci_query "/store/<module>/key",
 * prove=true), wait for header h+1 and check the proof against its app_hash.
 */
import { PROOF_OP_TYPE, verifyMembership, verifyNonMembership } from "../../../modules/core/store/ics23.ts";
import { abciQuery, b64, rpcCall, sleep } from "../../rpc/client.ts";
import { errorMessage, UserError } from "../../util/errors.ts";

export interface ProofResult {
  verified: true;
  /** the height the state was read at. */
  height: string;
  /** the block whose header carries the app hash (height + 1). */
  proof_height: string;
  app_hash: string;
  kind: "existence" | "non-existence";
  key: string;
  value: string;
  message: string;
}

/** app_hash of block h, waiting (up to timeoutMs) for the block to be committed. */
export async function appHashOfBlock(url: string, h: bigint, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const st = await rpcCall<{ sync_info: { latest_block_height: string } }>(url, "status");
    if (BigInt(st.sync_info.latest_block_height) >= h) {
      const r = await rpcCall<{ header?: { app_hash: string }; block?: { header: { app_hash: string } } }>(url, "block", { height: h.toString() });
      const hash = r.block?.header.app_hash ?? r.header?.app_hash;
      if (hash === undefined) throw new UserError(`block ${h} has no header`);
      return hash.toUpperCase();
    }
    if (Date.now() > end) throw new UserError(`timed out waiting for block ${h} (needed to verify the proof)`);
    await sleep(200);
  }
}

export async function proveStoreEntry(url: string, store: string, key: Uint8Array, height: bigint | undefined): Promise<ProofResult> {
  const resp = await abciQuery(url, `/store/${store}/key`, key, { height, prove: true });
  const h = BigInt(resp.height);
  if (h <= 0n) throw new UserError("the node returned a proof without a height");
  const op = resp.proofOps?.ops[0];
  if (op === undefined) throw new UserError(`the node returned no proof for /store/${store}/key at height ${h}`);
  if (op.type !== PROOF_OP_TYPE) throw new UserError(`unsupported proof type "${op.type}"`);
  const value = b64(resp.value);
  const appHashHex = await appHashOfBlock(url, h + 1n);
  const root = new Uint8Array(Buffer.from(appHashHex, "hex"));
  const proof = b64(op.data);
  const exists = value.length > 0;
  let ok: boolean;
  try {
    ok = exists ? verifyMembership(root, proof, key, value) : verifyNonMembership(root, proof, key);
  } catch (e) {
    throw new UserError(`proof verification FAILED against app hash ${appHashHex} of block ${h + 1n}: ${errorMessage(e)}`);
  }
  if (!ok) throw new UserError(`proof verification FAILED against app hash ${appHashHex} of block ${h + 1n}`);
  return {
    verified: true,
    height: h.toString(),
    proof_height: (h + 1n).toString(),
    app_hash: appHashHex,
    kind: exists ? "existence" : "non-existence",
    key: Buffer.from(key).toString("hex"),
    value: Buffer.from(value).toString("hex"),
    message: `proof verified against app hash ${appHashHex} of block ${h + 1n}`,
  };
}
