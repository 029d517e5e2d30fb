/**
 * Block sync wire messages: CometBFT 0.38's tendermint.blocksync.Message, field for field:
 *
 *   Message { oneof sum { BlockRequest block_request = 1; NoBlockResponse no_block_response = 2;
 *                         BlockResponse block_response = 3; StatusRequest status_request = 4;
 *                         StatusResponse status_response = 5; } }
 *   BlockRequest { int64 height = 1; }      NoBlockResponse { int64 height = 1; }
 *   BlockResponse { Block block = 1; ExtendedCommit ext_commit = 2; }
 *   StatusRequest {}                        StatusResponse { int64 height = 1; int64 base = 2; }
 *
 * A block response may be sent as `blockRaw` with the block store's stored bytes unchanged; it is
 * always decoded on receipt as `block` (a malformed block fails the decode and costs the sender).
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Block, Bytes, ExtendedCommit } from "../types/block.ts";
import { decodeBlock, decodeExtendedCommit, encodeBlock, encodeExtendedCommit } from "../types/encoding.ts";

export type BlockSyncMessage =
  | { type: "blockRequest"; height: bigint }
  | { type: "noBlock"; height: bigint }
  | { type: "block"; block: Block; extCommit?: ExtendedCommit }
  /** send-only: a BlockResponse built from stored bytes. */
  | { type: "blockRaw"; block: Bytes; extCommit?: ExtendedCommit }
  | { type: "statusRequest" }
  | { type: "status"; height: bigint; base: bigint };

function heightBody(w: BinaryWriter, h: bigint): void {
  if (h !== 0n) w.tag(1, WireType.Varint).int64(h);
}

export function encodeBlockSyncMessage(m: BlockSyncMessage): Uint8Array {
  const w = new BinaryWriter();
  switch (m.type) {
    case "blockRequest":
      w.tag(1, WireType.LengthDelimited).fork();
      heightBody(w, m.height);
      w.join();
      break;
    case "noBlock":
      w.tag(2, WireType.LengthDelimited).fork();
      heightBody(w, m.height);
      w.join();
      break;
    case "block":
    case "blockRaw":
      w.tag(3, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).bytes(m.type === "block" ? encodeBlock(m.block) : m.block);
      if (m.extCommit !== undefined) w.tag(2, WireType.LengthDelimited).bytes(encodeExtendedCommit(m.extCommit));
      w.join();
      break;
    case "statusRequest":
      w.tag(4, WireType.LengthDelimited).bytes(new Uint8Array(0));
      break;
    case "status":
      w.tag(5, WireType.LengthDelimited).fork();
      if (m.height !== 0n) w.tag(1, WireType.Varint).int64(m.height);
      if (m.base !== 0n) w.tag(2, WireType.Varint).int64(m.base);
      w.join();
      break;
  }
  return w.finish();
}

function readHeight(bz: Bytes, what: string): bigint {
  const r = new BinaryReader(bz);
  let h = 0n;
  while (r.pos < r.len) {
    const [f, t] = r.tag();
    if (f !== 1 || t !== WireType.Varint) throw new Error(`${what}: unexpected field ${f}/${t}`);
    h = BigInt(r.int64());
  }
  if (h < 0n) throw new Error(`${what}: negative height`);
  return h;
}

export function decodeBlockSyncMessage(bz: Uint8Array): BlockSyncMessage {
  const r = new BinaryReader(bz);
  let out: BlockSyncMessage | undefined;
  while (r.pos < r.len) {
    const [f, t] = r.tag();
    if (t !== WireType.LengthDelimited || f < 1 || f > 5) throw new Error(`blocksync message: unexpected field ${f}/${t}`);
    if (out !== undefined) throw new Error("blocksync message: more than one message");
    const body = r.bytes();
    switch (f) {
      case 1:
        out = { type: "blockRequest", height: readHeight(body, "BlockRequest") };
        break;
      case 2:
        out = { type: "noBlock", height: readHeight(body, "NoBlockResponse") };
        break;
      case 3: {
        const br = new BinaryReader(body);
        let block: Block | undefined;
        let extCommit: ExtendedCommit | undefined;
        while (br.pos < br.len) {
          const [bf, bt] = br.tag();
          if (bt !== WireType.LengthDelimited || (bf !== 1 && bf !== 2)) throw new Error(`BlockResponse: unexpected field ${bf}/${bt}`);
          if (bf === 1) block = decodeBlock(br.bytes());
          else extCommit = decodeExtendedCommit(br.bytes());
        }
        if (block === undefined) throw new Error("BlockResponse without a block");
        out = extCommit === undefined ? { type: "block", block } : { type: "block", block, extCommit };
        break;
      }
      case 4:
        if (body.length !== 0) throw new Error("StatusRequest: unexpected fields");
        out = { type: "statusRequest" };
        break;
      case 5: {
        const sr = new BinaryReader(body);
        let height = 0n;
        let base = 0n;
        while (sr.pos < sr.len) {
          const [sf, st] = sr.tag();
          if (st !== WireType.Varint || (sf !== 1 && sf !== 2)) throw new Error(`StatusResponse: unexpected field ${sf}/${st}`);
          const v = BigInt(sr.int64());
          if (sf === 1) height = v;
          else base = v;
        }
        if (height < 0n || base < 0n || base > height) throw new Error(`StatusResponse: bad range base ${base} height ${height}`);
        out = { type: "status", height, base };
        break;
      }
    }
  }
  if (out === undefined) throw new Error("blocksync message: empty");
  return out;
}
