/**
 * One socket write per send on libp2p's TCP connections. Noise hands each encrypted frame to the TCP
 * connection as two buffers (the 2-byte length, then the ciphertext: @chainsafe/libp2p-noise 17
 * `encrypt`), and @libp2p/tcp 11 `sendData` calls `socket.write` once per buffer: on 127.0.0.1 each
 * write completes at once, so every frame cost two `write` syscalls, two TCP segments (no-delay), and
 * a separate read of the 2-byte header on the other side. Corking the socket for the duration of one
 * `sendData` makes Node flush the buffers with one `writev` at the uncork.
 *
 * Backpressure is unchanged in kind: `sendData` still stops at the first `write` that returns false and
 * reports the bytes taken; while corked, `write` counts the bytes queued in this call against the
 * high-water mark, so a large send may pause (and resume on 'drain') after fewer buffers than before.
 *
 * `installCorkedSend(maConn)` patches the prototype of libp2p's TCP connection class once (the class
 * is not exported; node/p2p/host.ts passes the first raw connection its connection gater sees). Revisit
 * on a @libp2p/tcp upgrade.
 */
import { Socket } from "node:net";

const PATCHED = Symbol.for("openledger.tcpCorkedSend");

type SendData = (this: { socket: Socket }, data: unknown) => unknown;

/** patches `sendData` of the class of `maConn` when it is a TCP connection (it has a net.Socket); idempotent. */
export function installCorkedSend(maConn: unknown): void {
  if (typeof maConn !== "object" || maConn === null) return;
  if (!((maConn as { socket?: unknown }).socket instanceof Socket)) return;
  const proto = Object.getPrototypeOf(maConn) as Record<string | symbol, unknown> | null;
  if (proto === null || proto[PATCHED] === true || !Object.hasOwn(proto, "sendData")) return;
  const original = proto["sendData"];
  if (typeof original !== "function") return;
  proto["sendData"] = function sendData(this: { socket: Socket }, data: unknown): unknown {
    const s = this.socket;
    s.cork();
    try {
      return (original as SendData).call(this, data);
    } finally {
      s.uncork();
    }
  };
  proto[PATCHED] = true;
}
