/**
 * Node ids and addresses. A node id is CometBFT's: lowercase hex of SHA-256(ed25519 pubkey)[0:20]
 * (node/crypto/keyFiles.ts). The libp2p PeerId is built from the same ed25519 key (identity multihash
 * of the protobuf public key), so the node id of a connected peer is computed from its PeerId's
 * public key. The reverse is a hash, so a `<nodeid>@host:port` address is dialled by its multiaddr
 * and the node id is checked once the noise handshake has authenticated the remote key.
 */
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { nodeIdFromPubKey } from "../crypto/keyFiles.ts";
import type { Ed25519Key } from "../crypto/ed25519.ts";

/** the libp2p private key of a node key (same ed25519 seed). */
export function libp2pKeyFromNodeKey(key: Pick<Ed25519Key, "seed">): Promise<PrivateKey> {
  return generateKeyPairFromSeed("Ed25519", key.seed);
}

const nodeIdCache = new Map<string, string>();

/** the CometBFT node id of a libp2p peer; undefined for a non-ed25519 peer (refused by the host). */
export function nodeIdOfPeer(peerId: PeerId): string | undefined {
  const s = peerId.toString();
  const hit = nodeIdCache.get(s);
  if (hit !== undefined) return hit;
  if (peerId.type !== "Ed25519" || peerId.publicKey === undefined) return undefined;
  const id = nodeIdFromPubKey(peerId.publicKey.raw);
  if (nodeIdCache.size > 10_000) nodeIdCache.clear();
  nodeIdCache.set(s, id);
  return id;
}

export function isNodeId(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

function hostPortToMultiaddr(host: string, port: string, what: string): Multiaddr {
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new Error(`${what}: bad port ${JSON.stringify(port)}`);
  if (host.startsWith("[") && host.endsWith("]")) return multiaddr(`/ip6/${host.slice(1, -1)}/tcp/${port}`);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return multiaddr(`/ip4/${host}/tcp/${port}`);
  if (host === "") throw new Error(`${what}: missing host`);
  return multiaddr(`/dns/${host}/tcp/${port}`);
}

/** "tcp://127.0.0.1:26656", "127.0.0.1:26656", "tcp://0.0.0.0:0" or a multiaddr ("/ip4/…/tcp/…"). */
export function laddrToMultiaddr(laddr: string): Multiaddr {
  if (laddr.startsWith("/")) return multiaddr(laddr);
  const s = laddr.startsWith("tcp://") ? laddr.slice(6) : laddr;
  if (s.includes("://")) throw new Error(`p2p.laddr: only tcp:// is supported, got ${JSON.stringify(laddr)}`);
  const i = s.lastIndexOf(":");
  if (i < 0) throw new Error(`p2p.laddr: want host:port, got ${JSON.stringify(laddr)}`);
  return hostPortToMultiaddr(s.slice(0, i), s.slice(i + 1), "p2p.laddr");
}

export interface PeerAddress {
  nodeId: string;
  /** without /p2p/: the node id is checked after the handshake. */
  addr: Multiaddr;
  /** the string as given (logs). */
  raw: string;
}

/** CometBFT `<nodeid>@host:port` (optionally `tcp://` in front). */
export function parsePeerAddress(s: string): PeerAddress {
  const t = s.trim();
  const at = t.indexOf("@");
  if (at < 0) throw new Error(`peer address ${JSON.stringify(s)}: want <nodeid>@host:port`);
  const nodeId = t.slice(0, at).toLowerCase().replace(/^tcp:\/\//, "");
  if (!isNodeId(nodeId)) throw new Error(`peer address ${JSON.stringify(s)}: node id must be 40 hex digits`);
  const hp = t.slice(at + 1);
  const i = hp.lastIndexOf(":");
  if (i < 0) throw new Error(`peer address ${JSON.stringify(s)}: want <nodeid>@host:port`);
  return { nodeId, addr: hostPortToMultiaddr(hp.slice(0, i), hp.slice(i + 1), `peer address ${JSON.stringify(s)}`), raw: t };
}

/** "<nodeid>@127.0.0.1:26656" of a listen multiaddr (ip4/ip6 + tcp), or undefined. */
export function peerAddressString(nodeId: string, ma: Multiaddr): string | undefined {
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)/.exec(ma.toString());
  if (m === null) return undefined;
  const host = m[1] === "ip6" ? `[${m[2]}]` : (m[2] as string);
  return `${nodeId}@${host}:${m[3]}`;
}
