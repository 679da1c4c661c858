# Puts Node 24 — the project's reference runtime — first on PATH for the calling shell, when the machine's Node is
# older than 22.12 (Debian ships Node 20; Node 20 reached end of life on 2026-04-30). The npm registry's `node`
# package carries the real Node binary, so nothing but npm is needed. Source it: `. .ci/use-node24.sh`.
# The install lives outside the repository (a user cache), so it survives fresh clones and leaves git clean.

glacier_node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null
}

if ! glacier_node_ok; then
  GLACIER_NODE_DIR="${GLACIER_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/glacier/node24}"
  if [ ! -x "$GLACIER_NODE_DIR/node_modules/.bin/node" ]; then
    echo "ci: Node $(node --version 2>/dev/null || echo 'not found') is older than 22.12; installing Node 24 from the npm registry into $GLACIER_NODE_DIR"
    mkdir -p "$GLACIER_NODE_DIR"
    npm install --prefix "$GLACIER_NODE_DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node@24 >/dev/null
  fi
  export PATH="$GLACIER_NODE_DIR/node_modules/.bin:$PATH"
  hash -r
  glacier_node_ok || { echo "ci: Node 24 did not install (node --version: $(node --version))" >&2; return 1 2>/dev/null || exit 1; }
fi
echo "ci: node $(node --version), npm $(npm --version)"
