/**
 * Yamux receive-window updates as hashicorp/yamux (Go, the reference implementation) sends them: only
 * once at least half of the receive window has been consumed (or when the update carries a SYN/ACK
 * flag). @chainsafe/libp2p-yamux 8 sends a WindowUpdate frame after every data frame it receives, so
 * every gossiped message (a tx, a vote, a status) cost a second frame the other way: a noise encryption
 * and a socket write here, a decryption and a frame parse there (the validators' profile had
 * `sendWindowUpdate` at ~3% of main-thread time on the 4-validator localnet).
 *
 * Flow control is unchanged: the sender may still send until its send window is exhausted; the update
 * comes, at the latest, when half of our window is used, so a sender never waits on data we have
 * consumed but not yet announced for more than half a window. The auto-tuning (window doubling when half a
 * window is consumed within 4 RTTs) keeps working, over half-window epochs, as in Go.
 *
 * `installYamuxWindowThreshold()` patches YamuxStream.prototype once (idempotent); node/p2p/host.ts
 * calls it before creating the libp2p node.
 */
import { StreamState, YamuxStream } from "@chainsafe/libp2p-yamux/stream";

const PATCHED = Symbol.for("openledger.yamuxWindowThreshold");

interface WindowFields {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
}

/** true when the original sendWindowUpdate would run now: a flag to send, a paused stream, or ≥ half the window consumed. */
export function windowUpdateDue(s: WindowFields): boolean {
  if (s.state === StreamState.Init || s.state === StreamState.SYNReceived || s.state === StreamState.Paused) return true;
  return s.recvWindow - s.recvWindowCapacity >= s.recvWindow / 2;
}

export function installYamuxWindowThreshold(): void {
  const proto = YamuxStream.prototype as unknown as Record<symbol | string, unknown>;
  if (proto[PATCHED] === true) return;
  const original = proto["sendWindowUpdate"] as (this: WindowFields) => void;
  proto["sendWindowUpdate"] = function sendWindowUpdate(this: WindowFields): void {
    if (windowUpdateDue(this)) original.call(this);
  };
  proto[PATCHED] = true;
}
