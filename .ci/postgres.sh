# PostgreSQL for the store's tests (issue 15), sourced by .ci/run on a fresh
# Debian 12 machine (as root): Debian's server, its cluster started, a role
# with a password made here and a database for the tests. Exports
# SESSIOND_TEST_PG_URL, SESSIOND_TEST_PG_CLUSTER (for the restart test) and
# SESSIOND_REQUIRE_POSTGRES=1, so that a PostgreSQL test that cannot run
# fails instead of skipping. Idempotent.

if ! command -v pg_lsclusters >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql
fi
if [ -z "$(pg_lsclusters -h)" ]; then # the package was installed without a cluster
  pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -n1)" main
fi
read -r pg_version pg_name pg_port pg_status _ < <(pg_lsclusters -h | head -n1)
if [ "$pg_status" != "online" ]; then
  pg_ctlcluster "$pg_version" "$pg_name" start
fi

# pgvector, for search by meaning on PostgreSQL (issue 27). Debian packages
# it for PostgreSQL 17 only (trixie's postgresql-17-pgvector; bookworm has
# none), so Debian's own source package of it (pgvector 0.8.0, from trixie's
# sources) is built here against this server with its PGXS. It is not a
# trusted extension: a superuser enables it, below.
if [ ! -f "/usr/share/postgresql/$pg_version/extension/vector.control" ]; then
  apt-get install -y -qq --no-install-recommends "postgresql-server-dev-$pg_version" make gcc dpkg-dev >/dev/null
  pgv_work=$(mktemp -d)
  mkdir -p "$pgv_work/lists/partial"
  cat >"$pgv_work/pgvector.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  pgv_apt=(-o "Dir::Etc::sourcelist=$pgv_work/pgvector.sources" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$pgv_work/lists")
  apt-get -qq "${pgv_apt[@]}" update
  (cd "$pgv_work" && apt-get -qq "${pgv_apt[@]}" source --download-only pgvector >/dev/null 2>&1 &&
    dpkg-source -x pgvector_*.dsc src >/dev/null &&
    make -s -C src PG_CONFIG="/usr/lib/postgresql/$pg_version/bin/pg_config" >/dev/null &&
    make -s -C src PG_CONFIG="/usr/lib/postgresql/$pg_version/bin/pg_config" install >/dev/null)
  rm -rf "$pgv_work"
  unset pgv_work pgv_apt
  if [ ! -f "/usr/share/postgresql/$pg_version/extension/vector.control" ]; then
    echo "CI: pgvector could not be built from Debian's source package" >&2
    exit 1
  fi
fi

pg_password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
(cd / && runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -p "$pg_port") <<SQL
SELECT 'CREATE ROLE sessiond' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sessiond') \gexec
ALTER ROLE sessiond LOGIN CREATEDB PASSWORD '$pg_password';
SELECT 'CREATE DATABASE sessiond_test OWNER sessiond ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sessiond_test') \gexec
\c sessiond_test
CREATE EXTENSION IF NOT EXISTS vector;
SQL

# Over TCP with the password (Debian's pg_hba: scram-sha-256 on 127.0.0.1),
# as a machine elsewhere would connect.
export SESSIOND_TEST_PG_URL="postgresql://sessiond:$pg_password@127.0.0.1:$pg_port/sessiond_test"
export SESSIOND_TEST_PG_CLUSTER="$pg_version $pg_name"
export SESSIOND_REQUIRE_POSTGRES=1
echo "PostgreSQL $(runuser -u postgres -- psql -X -At -p "$pg_port" -c 'SHOW server_version' </dev/null) ($pg_version/$pg_name, port $pg_port), pgvector $(runuser -u postgres -- psql -X -At -p "$pg_port" -d sessiond_test -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'" </dev/null)"
unset pg_version pg_name pg_port pg_status pg_password
