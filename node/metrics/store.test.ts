import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { dirBytes, openLevelBackend } from "../storage/levelBackend.ts";
import { createStoreMetrics } from "./store.ts";

function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return undefined;
}

describe("node/metrics/store", () => {
  it("counts batches, synced batches, ops and key+value bytes per database, and its size on disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openledgerd-storemetrics-"));
    const backend = await openLevelBackend(join(dir, "node.db"));
    try {
      const register = new Registry();
      const m = createStoreMetrics(register);
      m.bind([{ db: "node", stats: backend.writeStats, diskBytes: () => dirBytes(backend.path) }]);
      let text = await register.metrics();
      assert.equal(sample(text, 'openledger_store_write_ops_total{db="node"}'), 0);

      await backend.write(
        [
          { type: "put", key: new Uint8Array([1, 2, 3]), value: new Uint8Array(10) },
          { type: "put", key: new Uint8Array([4]), value: new Uint8Array(100) },
          { type: "del", key: new Uint8Array([5, 6]) },
        ],
        { sync: true },
      );
      await backend.write([{ type: "put", key: new Uint8Array([7]), value: new Uint8Array(1000) }], { sync: false });
      // an empty unsynced batch writes nothing and is not counted
      await backend.write([], { sync: false });

      text = await register.metrics();
      assert.equal(sample(text, 'openledger_store_write_batches_total{db="node"}'), 2);
      assert.equal(sample(text, 'openledger_store_synced_batches_total{db="node"}'), 1);
      assert.equal(sample(text, 'openledger_store_write_ops_total{db="node"}'), 4);
      assert.equal(sample(text, 'openledger_store_write_bytes_total{db="node"}'), 3 + 10 + 1 + 100 + 2 + 1 + 1000);
      assert.ok(sample(text, 'openledger_store_disk_bytes{db="node"}')! >= 1000, "the log holds what was written");
      // scraping twice does not count twice
      text = await register.metrics();
      assert.equal(sample(text, 'openledger_store_write_ops_total{db="node"}'), 4);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(dirBytes(join(dir, "node.db")), 0, "a missing directory is 0 bytes, not an error");
  });
});
