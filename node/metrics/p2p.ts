/** P2P metrics (STYLE §7.7, §7.10). */
import { Gauge, type Registry } from "prom-client";

export interface P2PMetrics {
  peers: Gauge;
}

export function createP2PMetrics(register: Registry): P2PMetrics {
  return { peers: new Gauge({ name: "openledger_p2p_peers", help: "Connected peers.", registers: [register] }) };
}
