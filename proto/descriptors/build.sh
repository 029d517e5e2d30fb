#!/usr/bin/env bash
# Builds proto/descriptors/openledger.binpb: the FileDescriptorSet (with imports) that the gRPC server's
# reflection serves (node/grpc). Sources: the SDK/CometBFT/gogoproto/cosmos_proto/amino/google.api
# .proto files of the @protobufs/* npm packages (devDependencies) and proto/openledger/**.
# `make descriptors` runs it; commit the result. openledger Query services are added at run time from
# the Query<X>Request/Response pairs (node/grpc/descriptors.ts), so this file has none.
set -euo pipefail
cd "$(dirname "$0")/../.."
PB=node_modules/@protobufs
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/gogoproto" "$STAGE/cosmos_proto" "$STAGE/amino" "$STAGE/google"
cp -r "$PB/cosmos" "$STAGE/cosmos"
cp -r "$PB/tendermint" "$STAGE/tendermint"
cp -r "$PB/google/api" "$STAGE/google/api"
cp "$PB/gogoproto/gogo.proto" "$STAGE/gogoproto/"
cp "$PB/cosmos_proto/cosmos.proto" "$STAGE/cosmos_proto/"
cp "$PB/amino/amino.proto" "$STAGE/amino/"
cp -r proto/openledger "$STAGE/openledger"
rm -f "$STAGE"/cosmos/{index.js,package.json,README.md,CHANGELOG.md,LICENSE} "$STAGE"/tendermint/{index.js,package.json,README.md,CHANGELOG.md,LICENSE}
printf 'version: v2\nmodules:\n  - path: .\n' > "$STAGE/buf.yaml"
# the @protobufs packages predate SDK 0.50 / CometBFT 0.38 (no npm package ships those .proto files or a
# descriptor set): bring every message the gRPC server uses (served methods' requests and responses, the
# Msgs txs carry, and all they nest) to 0.50 / 0.38, field numbers as in cosmjs-types 0.11, which the node
# encodes with. node/grpc/descriptors.test.ts fails on any field name or number that still differs.
node - "$STAGE" <<'JS'
const fs = require("node:fs");
const stage = process.argv[2];
function add(path, message, fields) {
  const f = `${stage}/${path}`;
  let s = fs.readFileSync(f, "utf8");
  const i = s.indexOf(`message ${message} {`);
  const j = s.indexOf("\n}", i);
  if (i < 0 || j < 0) throw new Error(`${path}: message ${message} not found`);
  s = s.slice(0, j) + "\n" + fields.map((x) => `  ${x}\n`).join("") + s.slice(j);
  fs.writeFileSync(f, s);
}
add("cosmos/tx/v1beta1/service.proto", "GetTxsEventRequest", ["uint64 page = 4;", "uint64 limit = 5;", "string query = 6;"]);
add("cosmos/tx/v1beta1/service.proto", "GetTxsEventResponse", ["uint64 total = 4;"]);
add("cosmos/gov/v1/gov.proto", "Proposal", ["string title = 11;", "string summary = 12;", "string proposer = 13;", "bool expedited = 14;", "string failed_reason = 15;"]);
add("cosmos/gov/v1/tx.proto", "MsgSubmitProposal", ["string title = 5;", "string summary = 6;", "bool expedited = 7;"]);
function replace(path, from, to) {
  const f = `${stage}/${path}`;
  const s = fs.readFileSync(f, "utf8");
  if (!s.includes(from)) throw new Error(`${path}: ${from} not found`);
  fs.writeFileSync(f, s.split(from).join(to));
}
function append(path, text) {
  fs.appendFileSync(`${stage}/${path}`, text);
}
add("cosmos/bank/v1beta1/query.proto", "QueryAllBalancesRequest", ["bool resolve_denom = 3;"]);
add("cosmos/staking/v1beta1/staking.proto", "Validator", ["int64 unbonding_on_hold_ref_count = 12;", "repeated uint64 unbonding_ids = 13;"]);
add("cosmos/staking/v1beta1/staking.proto", "UnbondingDelegationEntry", ["uint64 unbonding_id = 5;", "int64 unbonding_on_hold_ref_count = 6;"]);
add("cosmos/staking/v1beta1/staking.proto", "RedelegationEntry", ["uint64 unbonding_id = 5;", "int64 unbonding_on_hold_ref_count = 6;"]);
add("cosmos/staking/v1beta1/tx.proto", "MsgUndelegateResponse", ["cosmos.base.v1beta1.Coin amount = 2;"]);
replace("cosmos/tx/v1beta1/tx.proto", 'import "google/protobuf/any.proto";', 'import "google/protobuf/any.proto";\nimport "google/protobuf/timestamp.proto";');
add("cosmos/tx/v1beta1/tx.proto", "TxBody", ["bool unordered = 4;", "google.protobuf.Timestamp timeout_timestamp = 5;"]);
add("tendermint/types/types.proto", "Vote", ["bytes extension = 9;", "bytes extension_signature = 10;"]);
// CometBFT 0.38 p2p: NodeInfo → DefaultNodeInfo (node_id → default_node_id), PeerInfo gone
replace("tendermint/p2p/types.proto", "NodeInfoOther", "DefaultNodeInfoOther");
replace("tendermint/p2p/types.proto", "message NodeInfo {", "message DefaultNodeInfo {");
replace("tendermint/p2p/types.proto", "string          node_id          = 2", "string          default_node_id  = 2");
{
  const f = `${stage}/tendermint/p2p/types.proto`;
  const t = fs.readFileSync(f, "utf8");
  fs.writeFileSync(f, t.slice(0, t.indexOf("message PeerInfo {")) + "message NetAddress {\n  string id = 1;\n  string ip = 2;\n  uint32 port = 3;\n}\n");
}
replace("cosmos/base/tendermint/v1beta1/query.proto", ".tendermint.p2p.NodeInfo node_info           = 1;", ".tendermint.p2p.DefaultNodeInfo default_node_info = 1;");
// SDK 0.47+: blocks with the proposer as a bech32 string (sdk_block, types.proto)
replace("cosmos/base/tendermint/v1beta1/query.proto", 'import "tendermint/types/block.proto";', 'import "tendermint/types/block.proto";\nimport "cosmos/base/tendermint/v1beta1/types.proto";');
add("cosmos/base/tendermint/v1beta1/query.proto", "GetBlockByHeightResponse", ["Block sdk_block = 3;"]);
add("cosmos/base/tendermint/v1beta1/query.proto", "GetLatestBlockResponse", ["Block sdk_block = 3;"]);
fs.writeFileSync(`${stage}/cosmos/base/tendermint/v1beta1/types.proto`, `syntax = "proto3";
package cosmos.base.tendermint.v1beta1;

import "tendermint/types/types.proto";
import "tendermint/types/evidence.proto";
import "tendermint/version/types.proto";
import "google/protobuf/timestamp.proto";

// Block is tendermint type Block, with the Header proposer address field converted to bech32 string.
message Block {
  Header                         header      = 1;
  .tendermint.types.Data         data        = 2;
  .tendermint.types.EvidenceList evidence    = 3;
  .tendermint.types.Commit       last_commit = 4;
}

// Header defines the structure of a Tendermint block header (proposer_address as a bech32 string).
message Header {
  .tendermint.version.Consensus version              = 1;
  string                        chain_id             = 2;
  int64                         height               = 3;
  google.protobuf.Timestamp     time                 = 4;
  .tendermint.types.BlockID     last_block_id        = 5;
  bytes                         last_commit_hash     = 6;
  bytes                         data_hash            = 7;
  bytes                         validators_hash      = 8;
  bytes                         next_validators_hash = 9;
  bytes                         consensus_hash       = 10;
  bytes                         app_hash             = 11;
  bytes                         last_results_hash    = 12;
  bytes                         evidence_hash        = 13;
  string                        proposer_address     = 14;
}
`);
// gov v1 (SDK 0.47+): one Params message, returned as QueryParamsResponse.params
add("cosmos/gov/v1/query.proto", "QueryParamsResponse", ["Params params = 4;"]);
append("cosmos/gov/v1/gov.proto", `
// Params defines the parameters for the x/gov module (SDK 0.50).
message Params {
  repeated cosmos.base.v1beta1.Coin min_deposit                   = 1;
  google.protobuf.Duration          max_deposit_period            = 2;
  google.protobuf.Duration          voting_period                 = 3;
  string                            quorum                        = 4;
  string                            threshold                     = 5;
  string                            veto_threshold                = 6;
  string                            min_initial_deposit_ratio     = 7;
  string                            proposal_cancel_ratio         = 8;
  string                            proposal_cancel_dest          = 9;
  google.protobuf.Duration          expedited_voting_period       = 10;
  string                            expedited_threshold           = 11;
  repeated cosmos.base.v1beta1.Coin expedited_min_deposit         = 12;
  bool                              burn_vote_quorum              = 13;
  bool                              burn_proposal_deposit_prevote = 14;
  bool                              burn_vote_veto                = 15;
  string                            min_deposit_ratio             = 16;
}
`);
JS
PATHS=(
  cosmos/auth/v1beta1/query.proto cosmos/bank/v1beta1/query.proto cosmos/staking/v1beta1/query.proto
  cosmos/slashing/v1beta1/query.proto cosmos/distribution/v1beta1/query.proto cosmos/gov/v1/query.proto
  cosmos/mint/v1beta1/query.proto cosmos/tx/v1beta1/service.proto cosmos/base/tendermint/v1beta1/query.proto
  cosmos/base/reflection/v1beta1/reflection.proto cosmos/crypto/secp256k1/keys.proto cosmos/crypto/ed25519/keys.proto
  cosmos/crypto/multisig/keys.proto cosmos/bank/v1beta1/tx.proto cosmos/staking/v1beta1/tx.proto
  cosmos/distribution/v1beta1/tx.proto cosmos/gov/v1/tx.proto cosmos/slashing/v1beta1/tx.proto
  cosmos/vesting/v1beta1/vesting.proto openledger
)
ARGS=()
for p in "${PATHS[@]}"; do ARGS+=(--path "$p"); done
(cd "$STAGE" && "$OLDPWD/node_modules/.bin/buf" build . "${ARGS[@]}" -o "$OLDPWD/proto/descriptors/openledger.binpb")
echo "descriptors: wrote proto/descriptors/openledger.binpb ($(wc -c < proto/descriptors/openledger.binpb) bytes)"
