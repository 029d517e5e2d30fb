import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HashedParams } from "cosmjs-types/tendermint/types/params";
import type { ExecTxResult } from "../../modules/core/abci.ts";
import { toHex, utf8 } from "../../modules/core/bytes.ts";
import { setShortSha256, sha256 } from "../../modules/core/hash.ts";
import { installWasmSha256 } from "../crypto/wasmSha256.ts";
import type { Header } from "./block.ts";
import { encodeBlock } from "./encoding.ts";
import {
  blockId,
  commitHash,
  consensusParamsHash,
  dataHash,
  evidenceHash,
  hashFromByteSlices,
  headerHash,
  innerHash,
  leafHash,
  makeParts,
  partSetHeader,
  proofsFromByteSlices,
  resultsHash,
  encodeDeterministicExecTxResult,
  validatorSetHash,
  verifyMerkleProof,
} from "./hash.ts";
import { sampleBlock, sampleCommit } from "./testdata.ts";
import { parseRfc3339 } from "./time.ts";

const s = (x: string) => sha256(utf8(x));

describe("types/hash", () => {
  it("hashFromByteSlices matches crypto/merkle TestHashFromByteSlices", () => {
    const cases: [string, Uint8Array[], string][] = [
      ["empty", [], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      ["single", [new Uint8Array([1, 2, 3])], "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8"],
      ["single blank", [new Uint8Array(0)], "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
      ["two", [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])], "82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b"],
      [
        "many",
        [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]].map((a) => new Uint8Array(a)),
        "f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18",
      ],
    ];
    for (const [name, items, want] of cases) assert.equal(toHex(hashFromByteSlices(items)), want, name);
  });

  it("leaf and inner hashes match the RFC-6962 vectors", () => {
    assert.equal(toHex(leafHash(utf8("L123456"))), "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    assert.equal(toHex(innerHash(utf8("N123"), utf8("N456"))), "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
  });

  it("the Merkle vectors hold with the node's WebAssembly SHA-256 installed (leaf and inner nodes go through it)", async () => {
    const plainRoots = Array.from({ length: 40 }, (_, n) => hashFromByteSlices(Array.from({ length: n }, (_, i) => utf8(`tx-${n}-${i}-`.repeat(i % 7)))));
    assert.equal(await installWasmSha256(), true);
    try {
      assert.equal(toHex(leafHash(utf8("L123456"))), "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
      assert.equal(toHex(innerHash(utf8("N123"), utf8("N456"))), "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
      const five = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]].map((a) => new Uint8Array(a));
      assert.equal(toHex(hashFromByteSlices(five)), "f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18");
      for (let n = 0; n < 40; n++) {
        const root = hashFromByteSlices(Array.from({ length: n }, (_, i) => utf8(`tx-${n}-${i}-`.repeat(i % 7))));
        assert.equal(root.constructor, Uint8Array);
        assert.deepEqual(root, plainRoots[n], `n=${n}`);
      }
    } finally {
      setShortSha256(null);
    }
  });

  it("merkle proofs verify for every leaf and fail for a wrong leaf", () => {
    for (let n = 1; n <= 9; n++) {
      const items = Array.from({ length: n }, (_, i) => utf8(`item${i}`));
      const { root, proofs } = proofsFromByteSlices(items);
      assert.deepEqual(root, hashFromByteSlices(items), `n=${n}`);
      proofs.forEach((p, i) => {
        assert.ok(verifyMerkleProof(p, root, items[i]!), `n=${n} i=${i}`);
        assert.ok(!verifyMerkleProof(p, root, utf8("other")), `n=${n} i=${i} wrong leaf`);
      });
    }
  });

  it("headerHash matches CometBFT TestHeaderHash", () => {
    const h: Header = {
      version: { block: 1n, app: 2n },
      chainId: "chainId",
      height: 3n,
      time: parseRfc3339("2019-10-13T16:14:44Z"),
      lastBlockId: { hash: new Uint8Array(32), partSetHeader: { total: 6, hash: new Uint8Array(32) } },
      lastCommitHash: s("last_commit_hash"),
      dataHash: s("data_hash"),
      validatorsHash: s("validators_hash"),
      nextValidatorsHash: s("next_validators_hash"),
      consensusHash: s("consensus_hash"),
      appHash: s("app_hash"),
      lastResultsHash: s("last_results_hash"),
      evidenceHash: s("evidence_hash"),
      proposerAddress: s("proposer_address").subarray(0, 20),
    };
    assert.equal(toHex(headerHash(h)).toUpperCase(), "F740121F553B5418C3EFBD343C2DBFE9E007BB67B0D020A0741374BAB65242A4");
    // every field is hashed: changing any changes the hash
    assert.notEqual(toHex(headerHash({ ...h, height: 4n })), toHex(headerHash(h)));
    assert.notEqual(toHex(headerHash({ ...h, proposerAddress: new Uint8Array(20) })), toHex(headerHash(h)));
    // nil validators hash → nil (empty) hash
    assert.equal(headerHash({ ...h, validatorsHash: new Uint8Array(0) }).length, 0);
  });

  it("dataHash uses tx hashes as leaves; commitHash encoded CommitSigs", () => {
    const txs = [utf8("a"), utf8("b"), utf8("c")];
    assert.deepEqual(dataHash(txs), hashFromByteSlices(txs.map((t) => sha256(t))));
    assert.equal(toHex(dataHash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const c = sampleCommit();
    assert.equal(commitHash(c).length, 32);
    assert.notDeepEqual(commitHash(c), commitHash({ signatures: c.signatures.slice(1) }));
  });

  it("resultsHash hashes only code, data, gas_wanted and gas_used", () => {
    const base: ExecTxResult = { code: 14, data: utf8("foo"), gasWanted: 100n, gasUsed: 50n, log: "x", info: "i", events: [], codespace: "bank" };
    // nil and empty data encode the same (TestABCIResults): Code 0 + no data = empty bytes
    assert.equal(encodeDeterministicExecTxResult({ code: 0, data: new Uint8Array(0), gasWanted: 0n, gasUsed: 0n }).length, 0);
    assert.equal(toHex(encodeDeterministicExecTxResult(base)), "080e1203666f6f28643032");
    const other: ExecTxResult = { ...base, log: "other", codespace: "", events: [{ type: "t", attributes: [] }] };
    assert.deepEqual(resultsHash([base]), resultsHash([other]));
    assert.notDeepEqual(resultsHash([base]), resultsHash([{ ...base, gasUsed: 51n }]));
  });

  it("validatorSetHash hashes SimpleValidator{pub_key, power}; consensusParamsHash HashedParams", () => {
    const pk = new Uint8Array(32).fill(9);
    const leaf = new Uint8Array([0x0a, 0x22, 0x0a, 0x20, ...pk, 0x10, 0x0a]);
    assert.deepEqual(validatorSetHash([{ pubKey: { type: "ed25519", value: pk }, votingPower: 10n }]), hashFromByteSlices([leaf]));
    assert.deepEqual(
      consensusParamsHash({ block: { maxBytes: 22020096n, maxGas: -1n } }),
      sha256(HashedParams.encode({ blockMaxBytes: 22020096n, blockMaxGas: -1n }).finish()),
    );
  });

  it("evidenceHash is the merkle root of the raw evidence bytes", () => {
    assert.deepEqual(evidenceHash([{ type: "duplicate_vote", raw: utf8("x") }]), hashFromByteSlices([utf8("x")]));
  });

  it("partSetHeader cuts 64 KiB parts; blockId = header hash + part set header", () => {
    const big = new Uint8Array(65536 * 2 + 10).map((_, i) => i & 0xff);
    const psh = partSetHeader(big);
    assert.equal(psh.total, 3);
    assert.deepEqual(psh.hash, hashFromByteSlices([big.subarray(0, 65536), big.subarray(65536, 131072), big.subarray(131072)]));
    const { parts, header } = makeParts(big);
    assert.deepEqual(header, psh);
    for (const p of parts) assert.ok(verifyMerkleProof(p.proof, psh.hash, p.bytes));
    const b = sampleBlock();
    const id = blockId(b);
    assert.deepEqual(id.hash, headerHash(b.header));
    assert.deepEqual(id.partSetHeader, partSetHeader(encodeBlock(b)));
    assert.equal(id.partSetHeader.total, 1);
  });
});
