import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "./logger.ts";

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join("") };
}

describe("util/logger", () => {
  it("writes JSON lines with the child's module and respects the level", async () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "json", destination: out.stream });
    log.child({ module: "mempool" }).info({ size: 3 }, "hello");
    log.debug("hidden");
    await new Promise((r) => setImmediate(r));
    const lines = out.text().trim().split("\n");
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(rec.module, "mempool");
    assert.equal(rec.msg, "hello");
    assert.equal(rec.size, 3);
  });

  it("renders pretty lines and rejects unknown levels and formats", async () => {
    const out = capture();
    const log = createLogger({ level: "debug", format: "pretty", destination: out.stream });
    log.child({ module: "rpc" }).debug("listening");
    // pino-pretty renders through a stream: wait for the line rather than for a fixed 20 ms
    for (const end = Date.now() + 10_000; !/DEBUG.*listening/.test(out.text()) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    assert.match(out.text(), /DEBUG.*listening/);
    assert.throws(() => createLogger({ level: "loud", format: "json" }), /unknown log level/);
    assert.throws(() => createLogger({ level: "info", format: "xml" as "json" }), /unknown log format/);
  });
});
