import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { describe, it } from "node:test";
import { installCorkedSend } from "./tcpCork.ts";

/** the shape of @libp2p/tcp's connection: sendData writes each buffer of the list, stops at a false. */
class TcpConnLike {
  readonly socket: Socket;
  constructor(socket: Socket) {
    this.socket = socket;
  }
  sendData(data: Uint8Array[]): { sentBytes: number; canSendMore: boolean } {
    let sentBytes = 0;
    let canSendMore = true;
    for (const buf of data) {
      sentBytes += buf.byteLength;
      canSendMore = this.socket.write(buf);
      if (!canSendMore) break;
    }
    return { sentBytes, canSendMore };
  }
}

describe("p2p/tcpCork", () => {
  it("sends the buffers of one sendData in one writev, unchanged, and leaves other classes alone", async () => {
    const got: Buffer[] = [];
    const server = createServer((s) => s.on("data", (b: Buffer) => got.push(b)));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    const { connect } = await import("node:net");
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    try {
      const conn = new TcpConnLike(socket);
      installCorkedSend({ sendData() {} }); // no socket: not a TCP connection, nothing patched
      assert.equal(Object.hasOwn(TcpConnLike.prototype, Symbol.for("openledger.tcpCorkedSend")), false);
      installCorkedSend(conn);
      installCorkedSend(conn); // idempotent
      const calls = { write: 0, writev: 0, chunks: 0 };
      const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], cb: unknown) => void };
      const w = s._write.bind(socket);
      const wv = s._writev.bind(socket);
      s._write = (...a: unknown[]) => {
        calls.write++;
        w(...a);
      };
      s._writev = (chunks: unknown[], cb: unknown) => {
        calls.writev++;
        calls.chunks += chunks.length;
        wv(chunks, cb);
      };
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 5; i++) {
        const r = conn.sendData([Uint8Array.of(0, 3), Uint8Array.of(i, i + 1, i + 2)]);
        assert.deepEqual(r, { sentBytes: 5, canSendMore: true });
        frames.push(Uint8Array.of(0, 3, i, i + 1, i + 2));
      }
      assert.deepEqual(calls, { write: 0, writev: 5, chunks: 10 });
      // a send larger than the high-water mark stops at the first false, as without the cork
      const half = Math.floor(socket.writableHighWaterMark / 2) + 1;
      const big = conn.sendData([new Uint8Array(half), new Uint8Array(half), new Uint8Array(half)]);
      assert.equal(big.canSendMore, false);
      assert.equal(big.sentBytes, 2 * half);
      const want = Buffer.concat([...frames, new Uint8Array(2 * half)]);
      while (Buffer.concat(got).length < want.length) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(Buffer.concat(got), want);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
