import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { indexSampleSeed, sampleIndexRows, verifyIndexRows } from "../../modules/attribution/replay.ts";
import { createRng } from "../../modules/attribution/engine/testing/reference.ts";
import { buildMlpModel, randomDense } from "../onnx/builder.ts";
import { OnnxModel, quantize } from "../onnx/service.ts";
import { replayIndexRows } from "./replay.ts";

describe("node/poa sampled replay of an embedding index", () => {
  it("an honest index passes, a tampered or foreign-model index fails on the sampled rows (onnxruntime-node)", async () => {
    const rng = createRng(11);
    const dIn = 8;
    const h = 16;
    const n = 500;
    const bytes = buildMlpModel({ hidden: [randomDense(dIn, h, rng.float)], head: randomDense(h, 3, rng.float) });
    const other = buildMlpModel({ hidden: [randomDense(dIn, h, rng.float)], head: randomDense(h, 3, rng.float) });
    const x = Float32Array.from({ length: n * dIn }, () => rng.normal() * 2);
    // the index a provider built (2 threads) and the replaying validator (1 thread)
    const builder = await OnnxModel.fromBytes(bytes, { intraOpNumThreads: 2 });
    const index = quantize((await builder.run(x, n)).embedding);
    await builder.release();
    const foreign = await OnnxModel.fromBytes(other, { intraOpNumThreads: 1 });
    const wrongIndex = quantize((await foreign.run(x, n)).embedding);
    await foreign.release();
    const tampered = Int16Array.from(index);
    for (let r = 0; r < n; r += 4) tampered[r * h] = (tampered[r * h] as number) + 64; // a quarter of the rows moved by 0.25

    const model = await OnnxModel.fromBytes(bytes, { intraOpNumThreads: 1 });
    const rows = sampleIndexRows(indexSampleSeed(sha256(utf8("block hash")), 1n), n, 40);
    const inputs = new Float32Array(rows.length * dIn);
    rows.forEach((r, j) => inputs.set(x.subarray(r * dIn, (r + 1) * dIn), j * dIn));
    const pick = (v: Int16Array) => {
      const out = new Int16Array(rows.length * h);
      rows.forEach((r, j) => out.set(v.subarray(r * h, (r + 1) * h), j * h));
      return out;
    };
    const ok = await replayIndexRows(model, { rows, inputs, stored: pick(index) }, verifyIndexRows);
    assert.equal(ok.ok, true);
    assert.equal(ok.maxDiff, 0, "same runtime, 1 vs 2 threads: identical quanta");
    assert.equal(ok.checked, 40);
    const bad = await replayIndexRows(model, { rows, inputs, stored: pick(tampered) }, verifyIndexRows);
    const expected = rows.filter((r) => r % 4 === 0);
    assert.ok(expected.length > 0, "the sample hits a tampered row");
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.mismatches.map((m) => m.row), expected);
    assert.ok(bad.mismatches.every((m) => m.coord === 0 && m.stored - m.replayed === 64));
    const wrong = await replayIndexRows(model, { rows, inputs, stored: pick(wrongIndex) }, verifyIndexRows);
    assert.equal(wrong.ok, false);
    await assert.rejects(() => replayIndexRows(model, { rows, inputs: inputs.subarray(1), stored: pick(index) }, verifyIndexRows), RangeError);
    await model.release();
  });
});
