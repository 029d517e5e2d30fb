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
# the @protobufs packages predate SDK 0.50: add the 0.50 fields that explorers and tx search read
# (field numbers as in cosmos-sdk v0.50 / cosmjs-types 0.11)
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
