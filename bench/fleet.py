#!/usr/bin/env python3
"""schemactl fleet benchmark: one planned revision (a table and an index) applied to N databases.

Not a test. On the local PostgreSQL server it creates N databases from an empty template
(`CREATE DATABASE ... TEMPLATE`), plans one revision with schemactl, and measures:

  single     `schemactl apply --db URL` on one database (median of --runs): the cost of one apply
  parallel   `schemactl apply --targets FILE --parallel P` on all N, for each P in --parallel
             (the databases are recreated at base before each run): wall time, per-target cost
             (wall / N) and its ratio to `single`, and target-seconds per second
  continue   1 % of the targets made to fail (the table already exists, so the drift guard
             refuses them), `--on-error continue`: the others all applied, the failures reported
  halt       the same failures, `--on-error halt`: how many targets ran before the run stopped
  kill       `kill -9` of a `--parallel 32` run once half the targets printed `applied`, then a
             rerun: every target at head, and each database's log shows the revision applied once

Prints a table and writes bench/out/fleet.json. Exit 1 when schemactl fails where it must not,
or when the kill/rerun check finds a database not at head or a revision applied twice.

Python 3 standard library only. Needs a server whose role may create databases, and the
release binary (`cargo build --release -p schemactl`). See bench/README.md.
"""

import argparse
import getpass
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PREFIX = "bench_fleet_"
TEMPLATE = PREFIX + "template"

SCHEMA = """CREATE TABLE public.items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL,
    label text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_tenant_created ON public.items (tenant_id, created_at);
"""


def url(args, db):
    query = urllib.parse.urlencode({"host": args.host, "port": args.port})
    return f"postgresql://{urllib.parse.quote(args.user)}@/{db}?{query}"


def psql(args, sql, db="postgres", check=True):
    p = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", url(args, db), "-c", sql],
        capture_output=True, text=True,
    )
    if check and p.returncode != 0:
        sys.exit(f"psql on {db} failed: {sql}\n{p.stderr}")
    return p


def names(n):
    return [f"{PREFIX}{i:04d}" for i in range(n)]


def recreate(args, dbs):
    """Drops and creates `dbs` from the empty template, a few sessions at once."""
    def one(db):
        psql(args, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        psql(args, f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE}"')
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, dbs))


def drop_all(args, n):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda db: psql(args, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', check=False),
                      names(n) + [PREFIX + "single"]))
    psql(args, f'DROP DATABASE IF EXISTS "{TEMPLATE}"', check=False)


def project(args, work):
    """A project with one planned revision: the table and its index."""
    os.makedirs(os.path.join(work, "schema"), exist_ok=True)
    run(args, ["init", "."], cwd=work)
    with open(os.path.join(work, "schema", "items.sql"), "w") as f:
        f.write(SCHEMA)
    dev = url(args, "postgres")
    run(args, ["plan", "-m", "items", "--dev-url", dev], cwd=work)


def run(args, argv, cwd, check=True):
    started = time.monotonic()
    p = subprocess.run([args.schemactl] + argv, cwd=cwd, capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    elapsed = time.monotonic() - started
    if check and p.returncode != 0:
        sys.exit(f"schemactl {' '.join(argv)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p, elapsed


def targets_file(args, work, dbs):
    path = os.path.join(work, "targets.txt")
    with open(path, "w") as f:
        for db in dbs:
            f.write(f"{url(args, db)} name={db[len(PREFIX):]}\n")
    return path


def break_some(args, dbs):
    """1 % of the targets (at least one), spread over the list, get the table already."""
    count = max(1, round(len(dbs) / 100))
    step = len(dbs) // count
    broken = dbs[step // 2::step][:count]
    for db in broken:
        psql(args, "CREATE TABLE public.items (id int)", db=db)
    return broken


def fleet(args, work, targets, extra):
    report = os.path.join(work, "report.json")
    argv = ["apply", "--targets", targets, "--report", report, "-q"] + extra
    p, elapsed = run(args, argv, cwd=work, check=False)
    if p.returncode not in (0, 10):
        sys.exit(f"fleet apply failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    with open(report) as f:
        return json.load(f), elapsed, p.returncode


def at_head_once(args, dbs):
    """Every database: one history row and one `up` in the log."""
    def one(db):
        p = psql(args, "SELECT (SELECT count(*) FROM schemactl.history) || ',' || "
                       "(SELECT count(*) FROM schemactl.log WHERE action = 'up')", db=db, check=False)
        return db, p.stdout.strip()
    with ThreadPoolExecutor(max_workers=8) as pool:
        return [(db, got) for db, got in pool.map(one, dbs) if got != "1,1"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--parallel", default="1,8,32,64")
    ap.add_argument("--runs", type=int, default=5, help="runs of the single apply (median)")
    ap.add_argument("--host", default=os.environ.get("PGHOST", "/var/run/postgresql"))
    ap.add_argument("--port", default=os.environ.get("PGPORT", "5432"))
    ap.add_argument("--user", default=os.environ.get("PGUSER") or getpass.getuser())
    ap.add_argument("--schemactl", default=os.path.join(REPO, "target", "release", "schemactl"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    args = ap.parse_args()
    args.schemactl = os.path.abspath(args.schemactl)
    if not os.path.exists(args.schemactl):
        sys.exit(f"{args.schemactl} not found: cargo build --release -p schemactl")
    levels = [int(p) for p in args.parallel.split(",")]
    n = args.targets
    dbs = names(n)
    work = tempfile.mkdtemp(prefix="schemactl-fleet-bench-")
    results = {"targets": n, "machine": {"cpus": os.cpu_count()}, "parallel": []}
    try:
        psql(args, f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        psql(args, f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
        project(args, work)
        targets = targets_file(args, work, dbs)

        single = []
        for _ in range(args.runs):
            recreate(args, [PREFIX + "single"])
            _, elapsed = run(args, ["apply", "--db", url(args, PREFIX + "single"), "-q"], cwd=work)
            single.append(elapsed)
        results["single_apply_s"] = statistics.median(single)
        print(f"single apply: {results['single_apply_s']:.3f} s (median of {args.runs})", flush=True)

        for p in levels:
            started = time.monotonic()
            recreate(args, dbs)
            setup = time.monotonic() - started
            report, elapsed, code = fleet(args, work, targets, ["--parallel", str(p)])
            if code != 0 or report["summary"]["applied"] != n:
                sys.exit(f"--parallel {p}: not every target applied: {report['summary']}")
            per_target = elapsed / n
            row = {"parallel": p, "wall_s": elapsed, "per_target_ms": per_target * 1000,
                   "vs_single": per_target / results["single_apply_s"], "setup_s": setup}
            results["parallel"].append(row)
            print(f"--parallel {p:>3}: {elapsed:7.2f} s, {row['per_target_ms']:6.1f} ms per target "
                  f"({row['vs_single']:.3f}x a single apply)", flush=True)

        for mode in ("continue", "halt"):
            recreate(args, dbs)
            broken = break_some(args, dbs)
            report, elapsed, code = fleet(args, work, targets, ["--parallel", "32", "--on-error", mode])
            s = report["summary"]
            results[mode] = {"wall_s": elapsed, "broken": len(broken), "summary": s, "exit": code}
            print(f"1% failing, on_error={mode}: {elapsed:.2f} s, exit {code}, applied {s['applied']}, "
                  f"failed {s['failed']}, skipped {s['skipped']}", flush=True)
            if mode == "continue" and (s["failed"] != len(broken) or s["applied"] != n - len(broken)):
                sys.exit(f"continue: expected {len(broken)} failures and the rest applied: {s}")
            if mode == "halt" and (report["halted"] is None or s["skipped"] == 0):
                sys.exit(f"halt: the run did not halt: {s}")

        recreate(args, dbs)
        child = subprocess.Popen([args.schemactl, "apply", "--targets", targets, "--parallel", "32"], cwd=work,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        started = time.monotonic()
        applied = 0
        for line in child.stdout:
            if ": applied " in line:
                applied += 1
                if applied >= n // 2:
                    child.kill()
                    break
        child.wait()
        killed_after = time.monotonic() - started
        report, elapsed, code = fleet(args, work, targets, ["--parallel", "32"])
        s = report["summary"]
        wrong = at_head_once(args, dbs)
        results["kill"] = {"killed_after_s": killed_after, "applied_before_kill": applied, "rerun_s": elapsed,
                           "rerun_summary": s, "not_at_head_once": wrong[:10], "exit": code}
        print(f"kill -9 after {applied} applied ({killed_after:.2f} s); rerun {elapsed:.2f} s: applied "
              f"{s['applied']}, up to date {s['up_to_date']}, failed {s['failed']}; "
              f"databases not at head with one up: {len(wrong)}", flush=True)

        started = time.monotonic()
        p, _ = run(args, ["status", "--targets", targets, "--no-drift", "--format", "json", "--parallel", "32"],
                   cwd=work, check=False)
        results["status_s"] = time.monotonic() - started
        groups = json.loads(p.stdout)["groups"]
        print(f"status --targets (no drift): {results['status_s']:.2f} s, {len(groups)} group(s)", flush=True)

        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "fleet.json"), "w") as f:
            json.dump(results, f, indent=2)
        print()
        print(f"| {n} databases | wall | per target | vs one `apply` |")
        print("| --- | --- | --- | --- |")
        for row in results["parallel"]:
            print(f"| `--parallel {row['parallel']}` | {row['wall_s']:.1f} s | {row['per_target_ms']:.1f} ms | "
                  f"{row['vs_single']:.3f}x |")
        if wrong or code != 0:
            sys.exit(f"kill/rerun: {len(wrong)} databases not at head with one up (e.g. {wrong[:3]}), exit {code}")
    finally:
        if not args.keep:
            drop_all(args, n)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
