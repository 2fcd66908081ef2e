#!/usr/bin/env bash
# Builds pgvector from Debian's source package against the machine's PostgreSQL.
# Idempotent: does nothing when the extension is already installed.
set -euo pipefail

PG_VERSION="${PG_VERSION:-$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)}"
if [ -z "$PG_VERSION" ]; then
  echo "install-pgvector: no PostgreSQL cluster found under /etc/postgresql" >&2
  exit 1
fi
EXT_DIR="/usr/share/postgresql/${PG_VERSION}/extension"
if [ -f "${EXT_DIR}/vector.control" ]; then
  echo "install-pgvector: pgvector already installed for PostgreSQL ${PG_VERSION}"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

# Source-only entry: pgvector with HNSW (>= 0.5) is packaged in trixie, not in bookworm.
SRC_LIST=/etc/apt/sources.list.d/cite-pgvector-src.sources
if ! apt-cache showsrc pgvector 2>/dev/null | grep -q '^Version: 0\.[5-9]'; then
  $SUDO tee "$SRC_LIST" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq "postgresql-server-dev-${PG_VERSION}" build-essential dpkg-dev >/dev/null

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
apt-get source -qq pgvector >/dev/null 2>&1 || apt-get source pgvector
cd pgvector-*/
make -s PG_CONFIG="/usr/lib/postgresql/${PG_VERSION}/bin/pg_config" >/dev/null
$SUDO make -s install PG_CONFIG="/usr/lib/postgresql/${PG_VERSION}/bin/pg_config" >/dev/null
test -f "${EXT_DIR}/vector.control"
echo "install-pgvector: pgvector installed for PostgreSQL ${PG_VERSION}"
