#!/usr/bin/env bash
# Rebuilds generated/ (the example project's revision history) the way a team would have
# written it, with schemactl itself: starting from an earlier version of schema/, planning
# each step, and writing one data migration by hand. schema/ ends exactly as committed.
#
#   bash tools/example_history.sh      (SCHEMACTL_DEV_URL optional; else an embedded cluster)
#
# Revision ids are the current UTC time, so a rebuild changes every file name: only run it
# when the revision format changes, never for a project whose revisions were applied anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p schemactl
S="$PWD/target/release/schemactl"
final=$(mktemp -d)
cp -r schema/. "$final/"
trap 'rm -rf schema && mkdir schema && cp -r "$final/." schema/ && rm -rf "$final"' EXIT
rm -f generated/*.sql generated/schemactl.sum

# 1. Users, dashboards and widgets; no audit log, no display names yet.
rm schema/audit.sql
python3 - <<'PY'
p = "schema/users.sql"; s = open(p).read()
s = s.replace("    display_name  varchar(120) NOT NULL,\n", "")
s = s.replace("    CONSTRAINT users_email_key UNIQUE (email),\n"
              "    CONSTRAINT users_display_name_not_blank CHECK (btrim(display_name) <> '')\n",
              "    CONSTRAINT users_email_key UNIQUE (email)\n")
open(p, "w").write(s)
PY
"$S" plan -m "Portal users, dashboards and widgets" --allow-hazard all >/dev/null
sleep 1

# 2. The audit log.
cp "$final/audit.sql" schema/audit.sql
"$S" plan -m "Audit log" --allow-hazard all >/dev/null
sleep 1

# 3. Display names, nullable until existing accounts have one.
python3 - <<'PY'
p = "schema/users.sql"; s = open(p).read()
s = s.replace("    email         public.citext NOT NULL,\n",
              "    email         public.citext NOT NULL,\n    display_name  varchar(120),\n")
open(p, "w").write(s)
PY
"$S" plan -m "Add users.display_name, nullable until backfilled" --allow-hazard all >/dev/null
sleep 1

# 4. The data migration, written by hand.
"$S" revision -m "Backfill display names from email addresses" >/dev/null
file=$(ls generated/*_backfill_display_names_from_email_addresses.sql)
python3 - "$file" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
up = s.index("-- schemactl:up\n") + len("-- schemactl:up\n")
s = s[:up] + """-- Existing accounts get the local part of their email address as display name, so that
-- the next revision can make the column NOT NULL.
UPDATE portal.users
   SET display_name = left(split_part(email::text, '@', 1), 120)
 WHERE display_name IS NULL OR btrim(display_name) = '';

-- schemactl:down
-- Nothing to undo: the previous revision's down section drops the column.
"""
open(p, "w").write(s)
PY
"$S" reseal >/dev/null
sleep 1

# 5. Display names are required (schema/ as committed).
cp "$final/users.sql" schema/users.sql
"$S" plan -m "Display names are required" --allow-hazard all >/dev/null

"$S" verify
"$S" plan --check >/dev/null
ls generated
