# Crowdcart — the README's commands. `make run` and `make test` install what is missing.
SHELL := /bin/bash
PY_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers

.PHONY: help deps run test test-fast lint package bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(VENV)/.installed node_modules/.installed ## install Python packages, npm tools and (on CI) Java
	@scripts/ensure-java.sh

run: deps ## start DynamoDB Local, the state-machine engine, the pay sandbox and the API on 127.0.0.1:8000
	$(PY) -m local.runner

test: deps ## run the whole test suite against its own DynamoDB Local
	$(PY) -m pytest

lint: deps ## validate the state machines (asl-validator) and the packaged template (cfn-lint)
	$(PY) -m infra.validate

package: deps ## build the CloudFormation template and code bundle offline into build/
	$(PY) -m infra.build

bench: deps ## run every benchmark in bench/ and write bench/report.json
	$(PY) -m bench.run

clean: ## remove build output and local data (keeps .venv and node_modules)
	rm -rf build .local .pytest_cache
