# openledgerd — thin wrapper over npm scripts. Everything runs on Node >= 22; where the machine's Node
# is older, the pinned Node 24 LTS below is fetched from the npm registry (package node-linux-<arch>)
# into .tools/ and put first on PATH for every target (see ../shared/DESIGN.md: libp2p 3 cannot dial on 20).
NODE_PIN   := 24.21.0
ARCH       := $(shell uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')
TOOLS      := $(CURDIR)/.tools
PINNED_DIR := $(TOOLS)/node/node_modules/node-linux-$(ARCH)/bin
SYS_OK     := $(shell node -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)' 2>/dev/null && echo yes)
ifeq ($(SYS_OK),yes)
NODE_DEP   :=
else
NODE_DEP   := $(PINNED_DIR)/node
export PATH := $(PINNED_DIR):$(PATH)
endif
STAMP      := node_modules/.install-stamp

.PHONY: all deps build typecheck proto proto-check run test test-unit test-e2e bench clean localnet localnet-stop localnet-reset localnet-status soak demo

all: build

$(PINNED_DIR)/node:
	@echo "make: Node $$(node --version 2>/dev/null || echo none) is older than 22; fetching Node $(NODE_PIN) from the npm registry"
	@mkdir -p $(TOOLS)/node
	npm install --prefix $(TOOLS)/node --no-save --no-package-lock --loglevel=error node-linux-$(ARCH)@$(NODE_PIN)
	@test -x $@

$(STAMP): package.json package-lock.json $(NODE_DEP)
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(STAMP)

# Generated TS for proto/openledger/** into proto/gen, and the gRPC reflection descriptor set
# proto/descriptors/openledger.binpb (both committed; `make proto-check`, run by `make test`, fails on drift).
proto: deps
	rm -rf proto/gen && mkdir -p proto/gen
	npx buf generate proto --template proto/buf.gen.yaml
	proto/descriptors/build.sh
	@echo "proto: regenerated proto/gen and proto/descriptors"

proto-check: proto
	@git diff --exit-code --stat -- proto/gen proto/descriptors || (echo "proto/gen or proto/descriptors is stale: run make proto and commit" && exit 1)
	@test -z "$$(git status --porcelain -- proto/gen proto/descriptors)" || (git status --porcelain -- proto/gen proto/descriptors; echo "proto/gen or proto/descriptors has untracked drift: run make proto and commit"; exit 1)

typecheck: deps
	npx tsc -p tsconfig.json

build: deps typecheck

run: build
	./cli/openledgerd dev --home .openledger-dev

test: build proto-check
	npm run --silent test:all

test-unit: build
	npm run --silent test:unit

test-e2e: build
	npm run --silent test:e2e

bench: build
	npm run --silent bench

# issue 5 §7 on the dev chain (a real node + provider daemon, fresh home, free ports): datanet → contributors
# (one flipped, one near-copies) → model + index → 20 paid inferences → receipts and earnings, twice (with
# and without the near-copies); non-zero exit unless the checks hold. `node localnet/demo/demo.ts --in-process`
# runs the same scenario on the state machine alone (seconds, no processes).
demo: build
	node localnet/demo/demo.ts

clean:
	rm -rf node_modules .tools

# 4 validators on 127.0.0.1 (localnet/README.md): set up once in .localnet/, then continue the same chain.
localnet: build
	node localnet/localnet.ts start

localnet-reset: build
	node localnet/localnet.ts start --reset

localnet-stop:
	node localnet/localnet.ts stop

localnet-status:
	node localnet/localnet.ts status

# Long fault soak (test/soak/README.md): 4 validators under tx load and a seeded random fault schedule;
# SOAK_SECONDS (600), SOAK_SEED; results in bench-results/soak-<seed>.{json,txt}. Then S16 validator-set
# churn with kills (bench-results/soak-churn-<seed>.{json,txt}), then S13, a shared key with ~64 % of the
# power across a partition (expected fork; bench-results/soak-s13.{json,txt}). Not part of `make test`.
soak: build
	node test/soak/faults.soak.ts
	node test/soak/churn.soak.ts
	node test/soak/sharedKey.soak.ts
