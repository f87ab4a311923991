# iamstack: one identity model, every account's CloudFormation.
#
#   make synth                 synthesize the example (or MODEL=path/to/model.yaml) into cdk.out
#   make validate              check the model and print each user's effective grants
#   make test                  every test of every tier (make test-unit: Go only, seconds; test-cdk; test-integration)
#   make check [BASE=ref]      the gate before review: synth, cfn-lint, cdk-nag, iamstack rules, base diff, snapshots
#                              (BASE_MODEL=path when the model moved; NO_BASE=1 skips the base diff, and says so)
#   make bench                 synthesis and planning benchmarks (see BENCHMARKS.md)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 20 works for the CDK but prints an end-of-life banner on every jsii start.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
# aws-cdk-lib's bundled template validator costs about 5 s and 400 MiB per
# synthesis; iamstack checks quotas itself and lints with cfn-lint (docs/architecture.md, "Speed").
# cdk.json turns it off for the cdk CLI; this covers direct runs and tests.
export CDK_VALIDATION ?= false

CDK   := node_modules/.bin/cdk
MODEL ?=
OUT   ?= cdk.out
GO_TEST_FLAGS ?=

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z/%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The independent IAM evaluator the tests check iamstack's against (test-only:
# AGPL-3.0, run as a separate process, never imported or shipped).
test/oracle/node_modules: test/oracle/package.json test/oracle/package-lock.json
	npm ci --prefix test/oracle --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: deps
deps: node_modules test/oracle/node_modules ## install the pinned CDK CLI, the test oracle and the Go modules
	go mod download

.PHONY: synth
# The cdk CLI writes the assembly into a fresh directory beside $(OUT), which
# takes $(OUT)'s place in one step only when synthesis succeeds
# (internal/atomicdir/replace): a bad model leaves $(OUT) as it was, a good
# one leaves no template of an earlier model behind, and a kill at any
# moment leaves the old assembly or the new one, never a mix or none. The
# cdk CLI's notice about feature flags concerns constructs iamstack does not
# use (it writes L1 resources).
synth: node_modules ## synthesize MODEL (default: the example) into OUT (default: cdk.out)
	go run ./internal/atomicdir/replace $(OUT) -- $(CDK) synth --quiet --output {} $(if $(MODEL),--context model=$(abspath $(MODEL))) 2> >(grep -v 'feature flags are not configured' >&2)
	@echo "templates: $$(ls $(OUT)/*.template.json | tr '\n' ' ')"

.PHONY: validate
validate: ## check MODEL and print each user's effective grants
	go run ./cmd/iamstack validate $(if $(MODEL),--model $(MODEL))

# Three tiers, each a build tag more: unit (pure Go: nothing but Go needed,
# seconds), cdk (tests that synthesize through the jsii runtime or ask the
# independent IAM simulator: Node.js), integration (the cdk CLI, cfn-lint,
# moto_server and the AWS CLI). Each tier runs the ones below it too.
.PHONY: test
test: node_modules test/oracle/node_modules ## run every test of every tier (needs cfn-lint, moto and the AWS CLI)
	go vet ./...
	go vet -tags integration ./...
	go test $(GO_TEST_FLAGS) -tags integration -timeout 20m ./...

.PHONY: test-unit
test-unit: ## the pure-Go tests: model, plan, policy, evaluator, analysis and check on the golden assembly (seconds, Go only)
	go test $(GO_TEST_FLAGS) ./...

.PHONY: test-cdk
test-cdk: node_modules test/oracle/node_modules ## unit tests and the tests that synthesize or ask the independent simulator (Node.js)
	go test $(GO_TEST_FLAGS) -tags cdk -timeout 20m ./...

.PHONY: test-integration
test-integration: node_modules test/oracle/node_modules ## every tier: adds the cdk CLI, cfn-lint, moto_server and the AWS CLI
	go test $(GO_TEST_FLAGS) -tags integration -timeout 20m ./...

GOLDEN := testdata/golden

.PHONY: check
check: ## the gate before review (MODEL=..., BASE=<git ref>, default the merge base with main; BASE_MODEL=..., NO_BASE=1; EXISTING="listing.json ...")
	go run ./cmd/iamstack check $(if $(MODEL),--model $(MODEL),--golden $(GOLDEN)) $(if $(BASE),--base $(BASE)) $(if $(BASE_MODEL),--base-model $(BASE_MODEL)) $(if $(NO_BASE),--no-base) $(foreach f,$(EXISTING),--existing $(f))

.PHONY: schema
schema: ## regenerate iamstack.schema.json and docs/reference.md from the model's Go types (a test fails when either is stale)
	go run ./internal/schema/gen > iamstack.schema.json.new && mv iamstack.schema.json.new iamstack.schema.json
	go run ./internal/schema/gen -markdown > docs/reference.md.new && mv docs/reference.md.new docs/reference.md

.PHONY: catalog
catalog: ## refresh the embedded IAM catalog from the npm packages pinned in internal/catalog/gen/package.json
	npm ci --prefix internal/catalog/gen --no-audit --no-fund --loglevel=error
	cd internal/catalog && go generate

.PHONY: golden
golden: ## regenerate the golden assemblies (templates and manifest) of the example and the organization example (review the diff)
	rm -rf $(GOLDEN).tmp && go run ./cmd/iamstack synth --out $(GOLDEN).tmp
	rm -rf $(GOLDEN) && mkdir -p $(GOLDEN) && cp $(GOLDEN).tmp/*.template.json $(GOLDEN).tmp/manifest.json $(GOLDEN)/ && rm -rf $(GOLDEN).tmp
	rm -rf $(GOLDEN)-organization.tmp && go run ./cmd/iamstack synth --model examples/organization.yaml --out $(GOLDEN)-organization.tmp
	rm -rf $(GOLDEN)-organization && mkdir -p $(GOLDEN)-organization && cp $(GOLDEN)-organization.tmp/*.template.json $(GOLDEN)-organization.tmp/manifest.json $(GOLDEN)-organization/ && rm -rf $(GOLDEN)-organization.tmp

.PHONY: release
release: ## cut a release: BUMP=patch|minor|major or VERSION=vX.Y.Z; refuses a dirty tree or a failing check
	go run ./cmd/iamstack release --bump $(or $(BUMP),patch) $(if $(VERSION),--version $(VERSION)) $(if $(MODEL),--model $(MODEL),--golden $(GOLDEN))

# make promote/<env>/<version> [DEPLOY=1] [ROLLBACK=1]; make plan/<env>/<version>
promote/%: ## point env/<env> at a release and record it; DEPLOY=1 deploys it, ROLLBACK=1 allows going back
	go run ./cmd/iamstack promote $(word 1,$(subst /, ,$*)) $(word 2,$(subst /, ,$*)) $(if $(DEPLOY),--deploy) $(if $(ROLLBACK),--rollback)

plan/%: ## what promoting <version> to <env> would change in access
	go run ./cmd/iamstack promote --plan $(word 1,$(subst /, ,$*)) $(word 2,$(subst /, ,$*))

.PHONY: history
history: ## what each environment ran, and when
	go run ./cmd/iamstack history

# The release archives the workflow .github/workflows/release.yml publishes on
# a version tag: iamstack_<os>_<arch>.tar.gz. Built at a tag, the binary's
# version is the tag (Go stamps it from git).
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
.PHONY: dist
dist: ## build the release archives into dist/ (linux and darwin, amd64 and arm64)
	go run ./internal/atomicdir/replace dist -- sh -ec 'out=$$0; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		mkdir -p $$out/$$os-$$arch && CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -o $$out/$$os-$$arch/iamstack ./cmd/iamstack && \
		tar -czf $$out/iamstack_$${os}_$${arch}.tar.gz -C $$out/$$os-$$arch iamstack && rm -rf $$out/$$os-$$arch; \
	done' {}

.PHONY: bench
bench: node_modules test/bench/l1app/node_modules ## benchmark planning (go test -bench) and synthesis (wall time, peak memory) against the empty Go app and a JavaScript L1 app
	go test -tags cdk -run '^$$' -bench . -benchmem ./model/ ./internal/plan/ ./internal/analyze/access/
	go run ./test/bench $(BENCH_FLAGS)

# The JavaScript reference of the synthesis benchmark: aws-cdk-lib from npm,
# the version the Go module uses.
test/bench/l1app/node_modules: test/bench/l1app/package.json test/bench/l1app/package-lock.json
	npm ci --prefix test/bench/l1app --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: jsii-resources
jsii-resources: ## rebuild the jsii library that creates a stack's resources in one call (constructs/identity/internal/resources)
	constructs/identity/internal/resources/js/build.sh

.PHONY: fuzz
fuzz: ## fuzz the model loader for FUZZTIME (default 60s)
	go test ./model/ -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-60s}

.PHONY: clean
clean: ## remove build output
	rm -rf cdk.out
