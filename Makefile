# The habits of this repository, one line each. `make help` lists them.
SHELL := bash
GO ?= go
# Tracked files, NUL-separated, so names with spaces survive; the CUE files
# leave out the golden cases that are broken on purpose.
GO_FILES_Z  = git ls-files -z '*.go'
CUE_FILES_Z = git ls-files -z '*.cue' | grep -zvE '/(syntax-error|non-utf8-bytes|empty-file|cr-line-endings|unquoted-hyphen-name)/'

.PHONY: help setup fmt vet cross test golden render check docs fuzz bench e2e ci

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

setup: ## install the Debian packages the checks need: shellcheck, zstd (AWS provider build), script
	@command -v shellcheck >/dev/null && command -v zstd >/dev/null && command -v script >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq shellcheck zstd bsdutils; }
	@command -v terraform >/dev/null || { echo 'terraform is not on PATH: install Terraform >= 1.5'; exit 1; }

fmt: ## format Go and CUE sources (lexgen fmt formats envs/ alone)
	$(GO_FILES_Z) | xargs -0 gofmt -w
	$(CUE_FILES_Z) | xargs -0 $(GO) tool cue fmt

vet: ## go vet, fail on unformatted Go, and cue vet the schema on its own
	@unformatted=$$($(GO_FILES_Z) | xargs -0 gofmt -l); test -z "$$unformatted" || { echo "$$unformatted"; echo 'run make fmt'; exit 1; }
	$(GO) vet ./...
	$(GO) tool cue vet ./schema

test: vet cross ## vet, cross-builds, then every unit, golden, CLI and script test
	$(GO) test -count=1 ./...

# macOS is where most platform engineers run lexgen, and some run Windows.
# The file-system code has a Unix version (openat, renameat2/renameatx_np,
# flock) and a portable one (os.Root, two renames, LockFileEx); the tag
# lexgen_portable runs the portable one's tests here on Linux.
cross: ## build lexgen for macOS and Windows, vet them, compile their tests; test the portable file-system code
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/lexgen
	GOOS=darwin GOARCH=amd64 $(GO) build -o /dev/null ./cmd/lexgen
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/lexgen
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	for p in output load cli; do \
		GOOS=darwin GOARCH=arm64 $(GO) test -c -o /dev/null ./internal/$$p && \
		GOOS=windows GOARCH=amd64 $(GO) test -c -o /dev/null ./internal/$$p || exit 1; \
	done
	$(GO) test -count=1 -tags lexgen_portable ./internal/output ./internal/load

golden: ## rewrite the golden files from what lexgen renders now; review the diff
	$(GO) test ./golden -update

render: ## render every environment into out/
	$(GO) run ./cmd/lexgen render

check: ## fail if out/ is not what envs/ renders to
	$(GO) run ./cmd/lexgen render --check

docs: ## regenerate docs/schema.md and docs/environment.schema.json from schema/ (a test fails when they are stale)
	$(GO) run ./cmd/lexgen schema > docs/schema.md
	$(GO) run ./cmd/lexgen schema --format jsonschema > docs/environment.schema.json

# Each target runs for a number of executions (about ten seconds' worth
# here), not for a time: Go 1.26's fuzzing coordinator can fail a time-bounded
# run at its deadline with "context deadline exceeded" and no failing input
# (golang/go#75804, fixed in Go 1.27). FUZZ_SCALE multiplies the counts.
FUZZ_SCALE ?= 1
FUZZ_TARGETS = FuzzTfvarsString:8000 FuzzShellQuote:2000 FuzzYAMLString:8000 FuzzRender:800 FuzzEscape:3000 \
	FuzzEnvBytes:50

fuzz: ## run every fuzz target for its number of executions; failures land in the package's testdata/fuzz
	@mkdir -p .cache/fuzz
	@for tc in $(FUZZ_TARGETS); do \
		t=$${tc%%:*}; n=$$(( $${tc##*:} * $(FUZZ_SCALE) )); log=.cache/fuzz/$$t.log; \
		pkg=./$$(dirname "$$(grep -rl --include='*_test.go' "^func $$t(" internal golden | head -1)"); \
		start=$$(date +%s); \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$t\$$" -fuzztime $${n}x >$$log 2>&1; rc=$$?; \
		echo "$$t: $$n execs in $$(( $$(date +%s) - start )) s"; \
		if [ $$rc -ne 0 ]; then cat $$log; exit 1; fi; \
	done

BENCH_N ?= 1,10,100,500,1000

bench: ## Go benchmarks, then lexgen against cue export for BENCH_N environments (a table)
	$(GO) test ./internal/load ./internal/render -run '^$$' -bench . -benchmem
	$(GO) build -o .cache/bin/lexgen ./cmd/lexgen
	$(GO) build -o .cache/bin/cue cuelang.org/go/cmd/cue
	$(GO) run ./internal/cmd/bench -lexgen .cache/bin/lexgen -cue .cache/bin/cue -n $(BENCH_N)

K8S_BIN = .cache/k8s/bin

ESO_DIR = .cache/eso

KWOK_BIN = .cache/kwok/bin

TFSEC_BIN = .cache/tfsec/bin

KUBE_SCORE = .cache/kube-score/kube-score

e2e: setup $(K8S_BIN)/.built $(ESO_DIR)/.built $(KWOK_BIN)/.built $(KUBE_SCORE) $(TFSEC_BIN)/.built ## Terraform against the real AWS provider and tfsec; manifests against a real kube-apiserver, scheduler, controllers, External Secrets and kube-score
	$(GO) test -tags e2e -count=1 -timeout 40m ./e2e

# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd,
# built once from tools/k8s (a few minutes) into the git-ignored cache and
# reused while tools/k8s/go.sum is unchanged.
$(K8S_BIN)/.built: tools/k8s/go.mod tools/k8s/go.sum tools/k8s/cmd/etcd/main.go
	mkdir -p $(K8S_BIN)
	cd tools/k8s && $(GO) build -trimpath -ldflags='-s -w' -o ../../$(K8S_BIN)/ \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ./cmd/etcd
	touch $@

# The External Secrets controller pinned in tools/eso, and the CRDs of that
# same release (from its module), built once into the git-ignored cache.
$(ESO_DIR)/.built: tools/eso/go.mod tools/eso/go.sum
	mkdir -p $(ESO_DIR)/bin $(ESO_DIR)/crds
	cd tools/eso && $(GO) build -trimpath -ldflags='-s -w' -o ../../$(ESO_DIR)/bin/ \
		github.com/external-secrets/external-secrets
	cp "$$(cd tools/eso && $(GO) list -m -f '{{.Dir}}' github.com/external-secrets/external-secrets)"/config/crds/bases/*external-secrets.io_*.yaml \
		$(ESO_DIR)/crds/
	touch $@

# KWOK, pinned in tools/kwok (its own module: it builds against other
# k8s.io versions than tools/k8s), simulates the nodes and pod lifecycles of
# the scheduling check, with the stages of that same release: nodes Ready at
# once and kept Ready, pods Running and Ready 1 to 6 s after binding (the
# "general" pod stages), so a PodDisruptionBudget is really exercised.
$(KWOK_BIN)/.built: tools/kwok/go.mod tools/kwok/go.sum
	mkdir -p $(KWOK_BIN) $(KWOK_BIN)/../stages
	cd tools/kwok && $(GO) build -trimpath -ldflags='-s -w' -o ../../$(KWOK_BIN)/ sigs.k8s.io/kwok/cmd/kwok
	stages="$$(cd tools/kwok && $(GO) list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage" && \
		cp "$$stages"/node/fast/node-initialize.yaml "$$stages"/node/heartbeat/node-heartbeat.yaml \
			"$$stages"/pod/general/pod-*.yaml $(KWOK_BIN)/../stages/
	touch $@

# kube-score, pinned in tools/kube-score (its own module), scores the
# rendered manifests; e2e/kubescore_test.go holds its reasoned allow-list.
$(KUBE_SCORE): tools/kube-score/go.mod tools/kube-score/go.sum
	mkdir -p $(@D)
	cd tools/kube-score && $(GO) build -trimpath -ldflags='-s -w' -o ../../$@ github.com/zegl/kube-score/cmd/kube-score

# tfsec, pinned in tools/tfsec, built once into the git-ignored cache; it
# runs offline over infrastructure/terraform (e2e/scan_test.go).
$(TFSEC_BIN)/.built: tools/tfsec/go.mod tools/tfsec/go.sum
	mkdir -p $(TFSEC_BIN)
	cd tools/tfsec && $(GO) build -trimpath -ldflags='-s -w' -o ../../$(TFSEC_BIN)/ github.com/aquasecurity/tfsec/cmd/tfsec
	touch $@

ci: setup test check fuzz e2e ## what .ci/run runs
