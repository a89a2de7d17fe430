#!/usr/bin/env python3
"""Does `schemactl plan` slow down as the revision history grows?

Not a test. Builds a project whose history has N revisions, then times, for each N
(median of --runs, wall clock, embedded shadow cluster unless SCHEMACTL_DEV_URL is set):

  cache   schemactl plan --check                  (the state after the last revision comes
                                                   from generated/state.sql)
  replay  schemactl plan --check without state.sql (every revision replayed, the cost the
                                                   cache avoids)
  verify  schemactl verify                         (replays up, down, up: CI's full check)

Two histories (--mode): `churn` keeps the schema the same size while the history grows (each
revision adds or drops one table, so only the history's length changes); `grow` adds a table
with an index and a foreign key per revision, the way a real schema grows (the schema's size
then dominates both timings).

Python 3 standard library only. Usage: python3 bench/history.py --mode churn --sizes 10,100,300
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "schemactl"


def run(args, cwd):
    out = subprocess.run([str(BIN), *args], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"schemactl {' '.join(args)} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    return out


def timed(args, cwd, runs, before=None):
    samples = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        run(args, cwd)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def table(i, linked=True):
    parent = f",\n  prev_id bigint REFERENCES hist.t{i - 1} (id)" if linked and i > 0 else ""
    return (f"CREATE TABLE hist.t{i} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            f"  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now(){parent}\n);\n"
            f"CREATE INDEX t{i}_created_idx ON hist.t{i} (created_at);\n")


def grow(project, upto, have, mode):
    """Adds revisions have..upto-1, one `plan -m` each."""
    schema = project / "schema" / "hist.sql"
    base = "CREATE SCHEMA hist;\nCREATE TABLE hist.keep (id int PRIMARY KEY);\n"
    text = schema.read_text() if schema.exists() else base
    for i in range(have, upto):
        if mode == "grow":
            text += table(i)
        else:
            # Revision i creates hist.t<i> when i is even, drops hist.t<i-1> when odd.
            text = base + (table(i, linked=False) if i % 2 == 0 else "")
        schema.write_text(text)
        run(["plan", "-m", f"revision {i}", "--allow-hazard", "all"], project)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10,100,300")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--mode", choices=["churn", "grow"], default="churn")
    args = p.parse_args()
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "schemactl"], cwd=ROOT, check=True)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="schemactl_history_") as tmp:
        project = pathlib.Path(tmp)
        run(["init", str(project)], project)
        (project / "schema" / "example.sql").unlink()
        state = project / "generated" / "state.sql"
        have = 0
        print(f"{'revisions':>9} {'cache s':>8} {'replay s':>9} {'verify s':>9}")
        for n in sizes:
            grow(project, n, have, args.mode)
            have = n
            saved = state.read_text()
            cache = timed(["plan", "--check"], project, args.runs)
            replay = timed(["plan", "--check"], project, args.runs, before=lambda: state.unlink(missing_ok=True))
            state.write_text(saved)
            verify = timed(["verify"], project, 1)
            print(f"{n:>9} {cache:>8.3f} {replay:>9.3f} {verify:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
