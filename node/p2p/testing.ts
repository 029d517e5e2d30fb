/** helpers for tests that run real libp2p hosts on 127.0.0.1 (port 0). */
import { generateEd25519 } from "../crypto/ed25519.ts";
import { silentLogger } from "../util/logger.ts";
import { type HostOptions, P2PHost } from "./host.ts";

export const TEST_P2P_CHAIN_ID = "test-chain-1";

export async function createTestHost(o: Partial<HostOptions> = {}): Promise<P2PHost> {
  return P2PHost.create(
    { chainId: TEST_P2P_CHAIN_ID, laddr: "tcp://127.0.0.1:0", backoffInitialMs: 50, backoffMaxMs: 400, dialTimeoutMs: 3000, ...o },
    { nodeKey: generateEd25519(), logger: silentLogger() },
  );
}

/** resolves when `cond()` holds (polled every 10 ms), rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 30_000, what = "condition"): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** connects a to b (b must be started) and waits until both see each other. */
export async function connect(a: P2PHost, b: P2PHost): Promise<void> {
  const addr = b.listenAddresses()[0];
  if (addr === undefined) throw new Error("host b has no listen address");
  await a.dial(addr);
  await waitFor(() => a.isConnected(b.nodeId) && b.isConnected(a.nodeId), 30_000, "connection");
}
