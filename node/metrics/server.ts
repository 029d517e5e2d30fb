/** The Prometheus endpoint: GET /metrics in the text exposition format (CometBFT: instrumentation.prometheus_listen_addr). */
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { parseLaddr } from "../rpc/server.ts";

export interface MetricsServer {
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

export function createMetricsServer(register: Registry, opts: { laddr: string; logger?: Logger }): MetricsServer {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    async listen() {
      const { host, port } = parseLaddr(opts.laddr);
      const srv = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (req.method !== "GET" || path !== "/metrics") {
          res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
          return;
        }
        register.metrics().then(
          (text) => res.writeHead(200, { "content-type": register.contentType }).end(text),
          (e: unknown) => {
            opts.logger?.error({ err: e }, "collecting metrics failed");
            res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
          },
        );
      });
      srv.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(port, host, () => {
          srv.off("error", reject);
          resolve();
        });
      });
      const addr = srv.address();
      return { host, port: typeof addr === "object" && addr !== null ? addr.port : port };
    },
    async close() {
      const srv = server;
      if (srv === undefined) return;
      server = undefined;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
