/**
 * The recheck memo (modules/runtime/recheckMemo.ts): a RECHECK whose tx read and wrote nothing the
 * block changed is answered from its last check; anything else runs in full. Each case runs the same
 * inputs through an app with the memo and one without it and requires the same verdicts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bytes, CheckTxResponse } from "../../../modules/core/abci.ts";
import { type TestChain, createTestChain } from "../../harness/app.ts";
import { type TestKey, buildTx, msgSend, testKey } from "../../harness/txBuilder.ts";

const KEYS = Array.from({ length: 6 }, (_, i) => testKey(100 + i));
const FUNDS = 2_000_000n;

/** funded too, with account number 6: pays the first fee. */
const WARM = testKey(99);

async function pair(): Promise<[TestChain, TestChain]> {
  const funded = [...KEYS, WARM].map((key) => ({ key, coins: [{ denom: "uopen", amount: FUNDS.toString() }] }));
  const a = await createTestChain({ funded, appOptions: { recheckMemo: true } });
  const b = await createTestChain({ funded });
  // height 1 commits InitChain's writes (the runtime params among them: a pass with every check in full);
  // height 2's fee creates the fee collector's account (which every check reads)
  await blockBoth(a, b, []);
  const warm = buildTx({ key: WARM, msgs: [msgSend(WARM.bech32, WARM.bech32, [{ denom: "uopen", amount: "1" }])], chainId: a.chainId, accountNumber: 6n, sequence: 0n }).raw;
  await blockBoth(a, b, [warm]);
  return [a, b];
}

function send(chain: TestChain, from: number, to: number, sequence: bigint, amount: bigint, o: { fee?: bigint; timeoutHeight?: bigint } = {}): Bytes {
  const k = KEYS[from] as TestKey;
  return buildTx({
    key: k,
    msgs: [msgSend(k.bech32, (KEYS[to] as TestKey).bech32, [{ denom: "uopen", amount: amount.toString() }])],
    chainId: chain.chainId,
    accountNumber: BigInt(from),
    sequence,
    fee: [{ denom: "uopen", amount: (o.fee ?? 5000n).toString() }],
    ...(o.timeoutHeight !== undefined ? { timeoutHeight: o.timeoutHeight } : {}),
  }).raw;
}

/** the parts of a CheckTx answer the mempool acts on. */
const verdict = (r: CheckTxResponse) => ({ code: r.code, codespace: r.codespace, gasWanted: r.gasWanted, priority: r.priority, sender: r.sender, sequence: r.sequence });

/** the same call on both apps; their verdicts must agree. */
async function both(a: TestChain, b: TestChain, tx: Bytes, type: "new" | "recheck"): Promise<CheckTxResponse> {
  const ra = await a.app.checkTx({ tx, type });
  const rb = await b.app.checkTx({ tx, type });
  assert.deepEqual(verdict(ra), verdict(rb), `${type}: memo ${ra.code} ${ra.log} / full ${rb.code} ${rb.log}`);
  return ra;
}

async function blockBoth(a: TestChain, b: TestChain, txs: Bytes[]): Promise<void> {
  const ra = await a.block(txs);
  const rb = await b.block(txs);
  assert.deepEqual(ra.appHash, rb.appHash);
  assert.deepEqual(ra.txResults.map((r) => r.code), rb.txResults.map((r) => r.code));
}

/** rechecks the pool in order on both apps; returns the txs both kept. */
async function recheckBoth(a: TestChain, b: TestChain, pool: Bytes[]): Promise<Bytes[]> {
  const kept: Bytes[] = [];
  for (const tx of pool) if ((await both(a, b, tx, "recheck")).code === 0) kept.push(tx);
  return kept;
}

const stats = (c: TestChain) => c.app.recheckMemoStats as NonNullable<TestChain["app"]["recheckMemoStats"]>;

describe("runtime/recheck memo", () => {
  it("answers a recheck from the memo when the block touched nothing the tx depends on, and runs it in full otherwise", async () => {
    const [a, b] = await pair();
    assert.equal(b.app.recheckMemoStats, undefined);
    const t0 = send(a, 0, 5, 0n, 10n);
    const t1 = send(a, 1, 5, 0n, 10n);
    const t2 = send(a, 2, 5, 0n, 10n);
    for (const t of [t0, t1, t2]) assert.equal((await both(a, b, t, "new")).code, 0);
    // a block with t0 only: t1 and t2 (other senders; the recipient 5 is not one of them) are replayed
    await blockBoth(a, b, [t0]);
    let pool = await recheckBoth(a, b, [t1, t2]);
    assert.equal(pool.length, 2);
    assert.deepEqual({ ...stats(a) }, { replayed: 2, full: 0 });
    // the replayed checks are in the check state: the senders' next sequences pass, the same ones fail
    const t1b = send(a, 1, 5, 1n, 10n);
    assert.equal((await both(a, b, t1b, "new")).code, 0);
    assert.equal((await both(a, b, send(a, 2, 5, 0n, 10n, { fee: 5001n }), "new")).code, 32);
    // a block paying sender 1 (0 → 1): t1 and t1b read sender 1's balance and run in full; t2 is replayed
    await blockBoth(a, b, [send(a, 0, 1, 1n, 7n)]);
    pool = await recheckBoth(a, b, [t1, t2, t1b]);
    assert.equal(pool.length, 3);
    assert.deepEqual({ ...stats(a) }, { replayed: 3, full: 2 });
  });

  it("a tx that left the pool without a block (evicted) dirties what it wrote: the sender's next tx runs in full and fails", async () => {
    const [a, b] = await pair();
    const s0 = send(a, 0, 5, 0n, 10n);
    const s1 = send(a, 0, 5, 1n, 10n);
    const other = send(a, 3, 5, 0n, 10n);
    for (const t of [s0, s1, other]) assert.equal((await both(a, b, t, "new")).code, 0);
    await blockBoth(a, b, [send(a, 4, 5, 0n, 1n)]);
    // s0 evicted: only s1 and `other` are rechecked; s1's sequence (1) no longer follows the state (0)
    const kept = await recheckBoth(a, b, [s1, other]);
    assert.deepEqual(kept, [other]);
    assert.deepEqual({ ...stats(a) }, { replayed: 1, full: 1 });
  });

  it("a block with another tx of a pooled sender makes its pooled txs run in full (the first fails, the next now fits)", async () => {
    const [a, b] = await pair();
    const p0 = send(a, 0, 5, 0n, 10n);
    const p1 = send(a, 0, 5, 1n, 10n);
    for (const t of [p0, p1]) assert.equal((await both(a, b, t, "new")).code, 0);
    // the same sequence 0, sent to another node, makes the block
    await blockBoth(a, b, [send(a, 0, 4, 0n, 99n)]);
    const kept = await recheckBoth(a, b, [p0, p1]);
    assert.deepEqual(kept, [p1]);
    assert.equal(stats(a).replayed, 0);
  });

  it("a tx that reads the header (timeout height) is never answered from the memo", async () => {
    const [a, b] = await pair();
    // checks run at height a.height + 1; the timeout allows two more blocks
    const t = send(a, 0, 5, 0n, 10n, { timeoutHeight: a.height + 2n });
    assert.equal((await both(a, b, t, "new")).code, 0);
    await blockBoth(a, b, []);
    assert.equal((await both(a, b, t, "recheck")).code, 0);
    await blockBoth(a, b, []);
    // now past the timeout height
    assert.equal((await both(a, b, t, "recheck")).code, 30);
    assert.deepEqual({ ...stats(a) }, { replayed: 0, full: 2 });
  });

  it("randomised: a mempool's life over 40 blocks gives the same verdicts, blocks and check state with the memo as without it", async () => {
    const [a, b] = await pair();
    let seed = 0x9e3779b9;
    const rnd = (n: number) => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed % n;
    };
    // the sequence each client signs next (it assumes its pooled txs commit)
    const next = KEYS.map(() => 0n);
    const committedSeq = async (i: number) => (await a.account((KEYS[i] as TestKey).bech32))?.sequence ?? 0n;
    let pool: Bytes[] = [];
    for (let h = 0; h < 40; h++) {
      // new txs: random senders, amounts up to a large part of the funds (so later ones can run dry)
      for (let j = rnd(5); j > 0; j--) {
        const from = rnd(KEYS.length);
        const timeout = rnd(6) === 0 ? { timeoutHeight: a.height + 1n + BigInt(rnd(3)) } : {};
        const tx = send(a, from, rnd(KEYS.length), next[from] as bigint, BigInt(1 + rnd(Number(FUNDS / 3n))), { fee: 5000n + BigInt(rnd(3)), ...timeout });
        if ((await both(a, b, tx, "new")).code === 0) {
          pool.push(tx);
          next[from] = (next[from] as bigint) + 1n;
        }
      }
      // the block: a FIFO prefix of the pool, sometimes with a tx sent elsewhere at a pooled sender's committed sequence
      const take = rnd(pool.length + 1);
      const txs = pool.slice(0, take);
      if (rnd(4) === 0) {
        const from = rnd(KEYS.length);
        txs.push(send(a, from, rnd(KEYS.length), await committedSeq(from), 3n, { fee: 6000n }));
      }
      await blockBoth(a, b, txs);
      pool = pool.slice(take);
      // evictions: a pooled tx leaves without a recheck
      if (pool.length > 0 && rnd(3) === 0) pool.splice(rnd(pool.length), 1);
      pool = await recheckBoth(a, b, pool);
      // clients that lost txs start again from the committed sequence
      for (let i = 0; i < KEYS.length; i++) {
        if (rnd(3) === 0) next[i] = (await committedSeq(i)) + BigInt(pool.filter((tx) => senderOf(tx) === i).length);
      }
    }
    // the check states agree: every sender's next sequence and a fresh tx of each verdict the same
    for (let i = 0; i < KEYS.length; i++) {
      for (const s of [next[i] as bigint, (next[i] as bigint) + 1n, await committedSeq(i)]) await both(a, b, send(a, i, (i + 1) % KEYS.length, s, 1n), "new");
    }
    const st = stats(a);
    assert.ok(st.replayed > 20, `replayed ${st.replayed}, full ${st.full}`);
    assert.ok(st.full > 5, `replayed ${st.replayed}, full ${st.full}`);
  });
});

/** the sender index of a tx built by `send` (its signer's pubkey). */
function senderOf(tx: Bytes): number {
  for (let i = 0; i < KEYS.length; i++) {
    const pub = (KEYS[i] as TestKey).pub;
    if (indexOf(tx, pub) >= 0) return i;
  }
  return -1;
}

function indexOf(hay: Bytes, needle: Bytes): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
