import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRng } from "../../modules/attribution/engine/testing/reference.ts";
import { artifactSha256, buildMlpModel, HEAD_WEIGHT, randomDense, type MlpSpec } from "./builder.ts";
import { mlpForward } from "./forward.ts";
import { readFloatInitializers, readHead, writeHead } from "./head.ts";
import { OnnxModel, quantize } from "./service.ts";
import { modelProtoType } from "./schema.ts";

function spec(seed: number, dIn: number, h: number, c: number, layers = 1): MlpSpec {
  const rng = createRng(seed);
  const hidden = [];
  let w = dIn;
  for (let l = 0; l < layers; l++) {
    hidden.push(randomDense(w, h, rng.float));
    w = h;
  }
  return { hidden, head: randomDense(h, c, rng.float) };
}

function inputs(seed: number, n: number, d: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() * 2);
}

describe("node/onnx", () => {
  it("a model built from TypeScript runs in onnxruntime-node and matches the JS float forward pass within 1e-5", async () => {
    for (const [s, layers] of [[spec(1, 8, 16, 3), 1], [spec(2, 32, 24, 10, 2), 2]] as const) {
      const bytes = buildMlpModel(s);
      assert.ok(Buffer.from(buildMlpModel(s)).equals(Buffer.from(bytes)), "deterministic bytes");
      const m = await OnnxModel.fromBytes(bytes);
      const d = s.hidden[0]!.inDim;
      const x = inputs(3, 50, d);
      const o = await m.run(x, 50);
      const r = mlpForward(s, x, 50);
      assert.equal(o.h, r.h);
      assert.equal(o.c, r.c);
      let gap = 0;
      for (let i = 0; i < o.embedding.length; i++) gap = Math.max(gap, Math.abs((o.embedding[i] as number) - (r.embedding[i] as number)) / (1 + Math.abs(r.embedding[i] as number)));
      for (let i = 0; i < o.logits.length; i++) gap = Math.max(gap, Math.abs((o.logits[i] as number) - (r.logits[i] as number)) / (1 + Math.abs(r.logits[i] as number)));
      assert.ok(gap < 1e-5, `layers=${layers}: max gap ${gap}`);
      assert.equal(m.inputDim, d);
      assert.equal(m.executionProvider, "cpu");
      await m.release();
    }
  });

  it("batching does not change the outputs, and intraOpNumThreads 1 vs 2 gives bitwise-identical outputs", async () => {
    const s = spec(4, 64, 64, 10);
    const bytes = buildMlpModel(s);
    const n = 3000;
    const x = inputs(5, n, 64);
    const one = await OnnxModel.fromBytes(bytes, { intraOpNumThreads: 1 });
    const two = await OnnxModel.fromBytes(bytes, { intraOpNumThreads: 2 });
    const small = await OnnxModel.fromBytes(bytes, { intraOpNumThreads: 1, batchSize: 7 });
    const a = await one.run(x, n);
    const b = await two.run(x, n);
    const c = await small.run(x, n);
    // measured on this machine: bitwise equal (max diff 0); the int16 quantised form must then agree too
    assert.deepEqual(Buffer.from(b.embedding.buffer), Buffer.from(a.embedding.buffer), "embedding 1 vs 2 threads");
    assert.deepEqual(Buffer.from(b.logits.buffer), Buffer.from(a.logits.buffer), "logits 1 vs 2 threads");
    assert.deepEqual(quantize(b.logits), quantize(a.logits));
    assert.deepEqual(Buffer.from(c.logits.buffer), Buffer.from(a.logits.buffer), "batch 7 vs 4096");
    for (const m of [one, two, small]) await m.release();
  });

  it("reads the head and replaces it in an existing artifact, keeping every other byte and recomputing the sha256", async () => {
    const s = spec(6, 8, 16, 4);
    const bytes = buildMlpModel(s);
    const head = readHead(bytes);
    assert.equal(head.h, 16);
    assert.equal(head.c, 4);
    assert.deepEqual(head.weight, Float32Array.from(s.head.weight));
    // the same head written back: the same bytes
    const same = writeHead(bytes, head.weight, head.bias);
    assert.ok(Buffer.from(same.bytes).equals(Buffer.from(bytes)), "same head, same bytes");
    assert.equal(same.sha256, artifactSha256(bytes));
    // a new head: only the head tensors change, the model runs with it
    const rng = createRng(7);
    const w = Float32Array.from({ length: 64 }, () => rng.normal());
    const b = Float32Array.from({ length: 4 }, () => rng.normal());
    const next = writeHead(bytes, w, b);
    assert.notEqual(next.sha256, artifactSha256(bytes));
    assert.equal(next.sha256, artifactSha256(next.bytes));
    const inits = readFloatInitializers(next.bytes);
    assert.deepEqual(inits.get(HEAD_WEIGHT)?.data, w);
    assert.deepEqual(inits.get("l0.weight")?.data, Float32Array.from(s.hidden[0]!.weight));
    const m = await OnnxModel.fromBytes(next.bytes);
    const x = inputs(8, 10, 8);
    const o = await m.run(x, 10);
    const r = mlpForward({ hidden: s.hidden, head: { weight: w, bias: b, inDim: 16, outDim: 4 } }, x, 10);
    for (let i = 0; i < o.logits.length; i++) assert.ok(Math.abs((o.logits[i] as number) - (r.logits[i] as number)) < 1e-4);
    await m.release();
    // an unknown field of ModelProto survives the edit (wire-level splice): append field 14 metadata_props
    const T = modelProtoType();
    const withMeta = T.encode(T.fromObject({ ...T.toObject(T.decode(bytes)), metadataProps: [{ key: "owner", value: "datanet-7" }] })).finish();
    const edited = writeHead(withMeta, w, b);
    const back = T.toObject(T.decode(edited.bytes)) as { metadataProps?: { key: string; value: string }[] };
    assert.deepEqual(back.metadataProps, [{ key: "owner", value: "datanet-7" }]);
    assert.throws(() => writeHead(bytes, new Float32Array(3), b), /new head has 3\+4 values/);
  });

  it("refuses what breaks the model contract", async () => {
    await assert.rejects(OnnxModel.fromBytes(new Uint8Array([1, 2, 3])), /cannot load the model/);
    const m = await OnnxModel.fromBytes(buildMlpModel(spec(9, 4, 8, 2)));
    await assert.rejects(m.run(new Float32Array(10), 2), /rows have 5 features, the model takes 4/);
    await m.release();
    assert.throws(() => buildMlpModel({ hidden: [], head: randomDense(2, 2, () => 0.5) }), /at least one hidden layer/);
    assert.throws(() => buildMlpModel({ hidden: [randomDense(3, 4, () => 0.5)], head: randomDense(5, 2, () => 0.5) }), /the head takes 5 inputs/);
    assert.throws(() => readHead(new Uint8Array(0)), /no float initializers/);
  });
});
