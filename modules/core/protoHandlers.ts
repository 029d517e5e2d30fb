/**
 * Msg and query handlers from ts-proto codecs, shared by the openledger modules (each had its own copy):
 * `msgHandlerFactory("/openledger.x.v1.")("MsgFoo", MsgFoo, MsgFooResponse, {signers, validateBasic, handle})`
 * and `queryHandlerFactory("/openledger.x.v1.Query/")("Foo", QueryFooRequest, QueryFooResponse, handle)`.
 */
import type { Bytes } from "./abci.ts";
import { accAddressFromString } from "./address.ts";
import type { QueryContext } from "./context.ts";
import { ErrInvalidAddress } from "./errors.ts";
import type { MsgHandler, QueryHandler } from "./module.ts";

/** what ts-proto generates for every message. */
export interface ProtoCodec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
}

export type MsgHandlerBody<M, R> = Omit<MsgHandler<M, R>, "typeUrl" | "responseTypeUrl" | "decode" | "encodeResponse">;

/** handlers whose type URL is `${typePrefix}${name}` and response `${typePrefix}${name}Response`. */
export function msgHandlerFactory(typePrefix: string) {
  return function handler<M, R>(name: string, msg: ProtoCodec<M>, res: ProtoCodec<R>, h: MsgHandlerBody<M, R>): MsgHandler<M, R> {
    return {
      typeUrl: `${typePrefix}${name}`,
      responseTypeUrl: `${typePrefix}${name}Response`,
      decode: (b) => msg.decode(b),
      encodeResponse: (r) => res.encode(r).finish(),
      ...h,
    };
  };
}

/** query handlers at `${queryPrefix}${name}` (e.g. "/openledger.datanet.v1.Query/Datanet"). */
export function queryHandlerFactory(queryPrefix: string) {
  return function query<Q, R>(name: string, req: ProtoCodec<Q>, res: ProtoCodec<R>, handle: (ctx: QueryContext, q: Q) => Promise<R>): QueryHandler<Q, R> {
    return { path: `${queryPrefix}${name}`, decode: (b) => req.decode(b), encode: (r) => res.encode(r).finish(), handle };
  };
}

/** a bech32 account address from a Msg field; sdk:7 "invalid <what> address …" otherwise. */
export function msgAddress(s: string, what: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch {
    throw ErrInvalidAddress.wrap(`invalid ${what} address ${JSON.stringify(s.slice(0, 90))}`);
  }
}
