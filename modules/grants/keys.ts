/** grants store layout (namespace "grants"). */
import type { Bytes } from "../core/abci.ts";
import { concat, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "grants";
export const PREFIX = { grant: 0x01, byRecipient: 0x02, nextId: 0x03 } as const;

export const grantKey = (id: bigint): Bytes => concat(Uint8Array.of(PREFIX.grant), u64be(id));
export const recipientPrefix = (recipient: Bytes): Bytes => concat(Uint8Array.of(PREFIX.byRecipient, recipient.length), recipient);
export const recipientKey = (recipient: Bytes, id: bigint): Bytes => concat(recipientPrefix(recipient), u64be(id));
export const NEXT_ID_KEY: Bytes = Uint8Array.of(PREFIX.nextId);
