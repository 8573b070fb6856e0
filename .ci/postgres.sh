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

pg_password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
(cd / && runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -p "$pg_port") <<SQL
SELECT 'CREATE ROLE sessiond' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sessiond') \gexec
ALTER ROLE sessiond LOGIN CREATEDB PASSWORD '$pg_password';
SELECT 'CREATE DATABASE sessiond_test OWNER sessiond ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sessiond_test') \gexec
SQL

# Over TCP with the password (Debian's pg_hba: scram-sha-256 on 127.0.0.1),
# as a machine elsewhere would connect.
export SESSIOND_TEST_PG_URL="postgresql://sessiond:$pg_password@127.0.0.1:$pg_port/sessiond_test"
export SESSIOND_TEST_PG_CLUSTER="$pg_version $pg_name"
export SESSIOND_REQUIRE_POSTGRES=1
echo "PostgreSQL $(runuser -u postgres -- psql -X -At -p "$pg_port" -c 'SHOW server_version' </dev/null) ($pg_version/$pg_name, port $pg_port)"
unset pg_version pg_name pg_port pg_status pg_password
