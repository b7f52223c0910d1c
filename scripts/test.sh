#!/usr/bin/env bash
# The project's test command: static checks, then every test with the race
# detector. It installs what the tests need on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$(go env GOPATH)/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step "tools"
command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
command -v workflowcheck >/dev/null || go install go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
staticcheck ./...

step "workflowcheck"
workflowcheck ./workflows/...

step "services"
. scripts/postgres.sh
trap pg_stop EXIT
pg_start
# The PostgreSQL tests must run here; they fail instead of skipping.
export LIANXI_REQUIRE_PG=1
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "CJK"; then
  echo "installing chromium and CJK fonts (Debian packages) for the browser test"
  export DEBIAN_FRONTEND=noninteractive
  pkgs="chromium fonts-noto-cjk"
  apt-get install -y -q $pkgs >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q $pkgs >/dev/null; }
fi
export LIANXI_REQUIRE_BROWSER=1
# Screenshots and other test artifacts land here.
export LIANXI_ARTIFACTS="${LIANXI_ARTIFACTS:-$PWD/artifacts}"

step "go test -race"
go test -race -count=1 -timeout 45m ./...
