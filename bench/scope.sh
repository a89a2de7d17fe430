#!/bin/sh
# What the scope saves when reading a catalog: a database with 5,000 tables in schema `big`
# (each with a serial key, two more columns, a check, an index and a comment) and a few
# objects in schema `app`, read whole and with `--schema app`
# (crates/introspect/examples/scope_bench.rs).
#
#   bench/scope.sh 'host=/var/run/postgresql user=root' [TABLES] [RUNS]
#
# KEEP=1 keeps the database afterwards (and reuses it when it exists).
set -eu
conninfo=${1:-"host=/var/run/postgresql"}
tables=${2:-5000}
runs=${3:-5}
db=schemactl_scope_bench
keep=${KEEP:-}
if [ -n "$keep" ] && psql "$conninfo dbname=$db" -qXAtc "SELECT 1" >/dev/null 2>&1; then
  exists=1
else
  exists=
  psql "$conninfo dbname=postgres" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
fi
if [ -z "$exists" ]; then
psql "$conninfo dbname=$db" -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA big"
# 500 tables per transaction: one transaction for all of them runs out of lock slots.
from=1
while [ "$from" -le "$tables" ]; do
  to=$((from + 499))
  if [ "$to" -gt "$tables" ]; then to=$tables; fi
  psql "$conninfo dbname=$db" -qX -v ON_ERROR_STOP=1 <<SQL
DO \$\$
BEGIN
  FOR i IN $from..$to LOOP
    EXECUTE format('CREATE TABLE big.t%s (id serial PRIMARY KEY, name text NOT NULL DEFAULT %L CHECK (name <> %L), created timestamptz DEFAULT now())', i, '', 'x');
    EXECUTE format('CREATE INDEX t%s_name ON big.t%s (name)', i, i);
    EXECUTE format('COMMENT ON TABLE big.t%s IS %L', i, 'table ' || i);
  END LOOP;
END
\$\$;
SQL
  from=$((to + 1))
done
psql "$conninfo dbname=$db" -qX -v ON_ERROR_STOP=1 <<SQL
CREATE SCHEMA app;
CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE app.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES app.users (id), total numeric(12, 2));
CREATE VIEW app.order_totals AS SELECT user_id, sum(total) FROM app.orders GROUP BY user_id;
CREATE TABLE public.alembic_version (version_num varchar(32) PRIMARY KEY);
ANALYZE;
SQL
fi
cd "$(dirname "$0")/.."
cargo build -q --release -p schemactl-introspect --example scope_bench
target/release/examples/scope_bench "$conninfo dbname=$db" app "$runs"
if [ -z "$keep" ]; then psql "$conninfo dbname=postgres" -qX -c "DROP DATABASE $db"; fi
