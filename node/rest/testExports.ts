/** re-exports for tests. */
export { protoJson } from "./protoJson.ts";
export { txJson as txJsonForTest } from "./server.ts";
