#!/usr/bin/env python3
"""schemactl speed benchmark on a realistic schema (views, functions, triggers, policies, grants).

Not a test. The schema comes from the shared generator (../shared/bench/gen_schema.py, used in
place, never copied here): N tables with 5-30 columns, partial/expression/GIN indexes, N/5
views in chains, materialized views, plpgsql and sql functions, triggers, RLS policies,
comments and grants; `--mutate 42` is a copy with ~5% of every kind of object edited.

For each N, interleaved round by round (so that load from other processes on the machine hits
every command alike), wall clock and peak RSS of:

  a      pg_dump --schema-only -d rb_real_N > /dev/null                 (the reference)
  b      schemactl diff --from URL(rb_real_N) --to URL(rb_real_N)       (must be empty)
  c      schemactl diff --from URL(rb_real_N) --to URL(rb_real_N_mut)   (must be non-empty)
  f      schemactl diff --from URL(rb_real_N) --to base_N.sql           (files, embedded shadow)
  e      psql -q -f base_N.sql into a fresh database of a throwaway cluster on /dev/shm tuned
         like schemactl's shadow                                        (the shadow's floor)
  dump   schemactl dump --db URL(rb_real_N) > /dev/null
  b0, c0 with --baseline BINARY: b and c with another build (before/after in one run)

Ratios of medians: b/a, c/a, dump/a (targets <= 1.0), f/(e+a) (target <= 1.1). Peak RSS
target for b and c: <= 150 MB at N = 5000. One extra, untimed run of a, b and c with
`log_statement=all` counts the statements each sends (from the server's log).

The databases rb_real_N and rb_real_N_mut are loaded once and reused while their comment
carries the hash of the generated file (`--reload` forces a reload). Python 3 stdlib only.
See bench/README.md.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (  # noqa: E402  (the helpers of the simple benchmark)
    BenchError, Server, ThrowawayCluster, log, run, DEFAULT_BINDIR, REPO,
)

TARGETS = {"b/a": 1.0, "c/a": 1.0, "dump/a": 1.0, "f/(e+a)": 1.1}
RSS_TARGET_MB = 150
TARGET_N = 5000
MARKER = "schemactl realistic bench "


def timed(cmd, *, stdout=subprocess.DEVNULL, env=None, timeout=None, what=None):
    """Runs cmd; returns (seconds, peak RSS in MB of the process, stdout bytes or None).

    The RSS is the child's own ru_maxrss from wait4, not the sum of what it spawned."""
    out_path = None
    if stdout == "capture":
        fd, out_path = tempfile.mkstemp(prefix="rb-out-")
        out = os.fdopen(fd, "wb")
    else:
        out = stdout
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, env=env)
    try:
        # stderr is read after the exit: the commands measured here write little to it.
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                p.kill()
                raise BenchError("%s timed out" % (what or cmd[0]))
            time.sleep(0.005)
    finally:
        if out_path:
            out.close()
    elapsed = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    data = None
    if out_path:
        with open(out_path, "rb") as f:
            data = f.read()
        os.unlink(out_path)
    if p.returncode != 0:
        raise BenchError("%s failed (exit %d): %s\n%s" % (what or cmd[0], p.returncode, " ".join(cmd), err[-4000:]))
    return elapsed, usage.ru_maxrss / 1024.0, data


def file_hash(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def ensure_loaded(server, db, path, reload):
    """Loads path into db unless db already holds it (its comment names the file's hash)."""
    want = MARKER + file_hash(path)
    have = server.query("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '%s'" % db)
    if have == want and not reload:
        log("reusing %s (%s)" % (db, want))
        return
    log("loading %s from %s (once; reused by later runs)" % (db, path))
    server.create_db(db)
    env = dict(os.environ, PGOPTIONS="-c synchronous_commit=off")
    t = server.load(db, path, env=env)
    # Loaded databases get statistics from autovacuum sooner or later; the benchmark should not
    # depend on when, so both sides start with them.
    server.sql("ANALYZE", db=db)
    server.sql("COMMENT ON DATABASE \"%s\" IS '%s'" % (db, want))
    log("loaded %s in %.0f s" % (db, t))


def server_log():
    """The Debian cluster's log file (where log_statement lines go)."""
    for p in ("/var/log/postgresql/postgresql-15-main.log",):
        if os.access(p, os.R_OK):
            return p
    return None


def count_statements(cmd, env, logfile, what):
    """Runs cmd once with log_statement=all; counts the statements the server logged."""
    before = os.path.getsize(logfile)
    timed(cmd, env=env, what=what)
    time.sleep(0.3)  # the logger process writes asynchronously
    n = 0
    with open(logfile, "rb") as f:
        f.seek(before)
        for line in f:
            if b" LOG:  statement: " in line or b" LOG:  execute " in line:
                n += 1
    return n


def with_options(url, options):
    return url + "&options=" + options.replace(" ", "%20").replace("=", "%3D")


def summarize(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "runs": [round(x, 4) for x in xs]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,5000", help="table counts, comma separated (1000,5000,20000)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--only", default="a,b,c,f,e,dump",
                    help="measurements to take (without a, no ratios: pg_dump of 20,000 tables needs "
                         "max_locks_per_transaction above the default 64)")
    ap.add_argument("--generator", default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gen_schema.py"))
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "out", "realistic"))
    ap.add_argument("--schemactl", default=os.path.join(REPO, "target", "release", "schemactl"))
    ap.add_argument("--baseline", help="another schemactl binary (e.g. an older build) timed beside b and c as b0, c0")
    ap.add_argument("--bindir", default=DEFAULT_BINDIR)
    ap.add_argument("--host", default=os.environ.get("PGHOST", "/var/run/postgresql"))
    ap.add_argument("--port", default=os.environ.get("PGPORT", "5432"))
    ap.add_argument("--user", default=os.environ.get("PGUSER", os.environ.get("USER", "root")))
    ap.add_argument("--reload", action="store_true", help="reload the databases even if they hold the schema")
    ap.add_argument("--no-count", action="store_true", help="skip the statement count")
    ap.add_argument("--label", default="", help="a note for the results (e.g. the commit measured)")
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = set(args.only.split(","))
    os.makedirs(args.out, exist_ok=True)
    server = Server(args.bindir, args.host, args.port, args.user)
    pg_dump = server.tool("pg_dump")
    # A concurrent `cargo build` must not swap the binary mid-run.
    binary = os.path.join(args.out, ".schemactl-under-test")
    shutil.copy2(args.schemactl, binary)
    sha = file_hash(binary)
    baseline = None
    if args.baseline:
        baseline = os.path.join(args.out, ".schemactl-baseline")
        shutil.copy2(args.baseline, baseline)
        only |= {"b0", "c0"}
    throwaway = None

    def on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    results = []
    try:
        if "e" in only and os.path.isdir("/dev/shm"):
            throwaway = ThrowawayCluster(args.bindir, base="/dev/shm", port=54339)
            shm = throwaway.start()
        for n in sizes:
            base = os.path.join(args.out, "base_%d.sql" % n)
            mut = os.path.join(args.out, "mut_%d.sql" % n)
            for path, extra in ((base, []), (mut, ["--mutate", "42"])):
                if not os.path.exists(path):
                    run([sys.executable, args.generator, "--tables", str(n), "-q", "-o", path] + extra,
                        what="gen_schema.py")
            db, db_mut = "rb_real_%d" % n, "rb_real_%d_mut" % n
            ensure_loaded(server, db, base, args.reload)
            ensure_loaded(server, db_mut, mut, args.reload)
            url, url_mut = server.url(db), server.url(db_mut)
            cmds = {
                "a": ([pg_dump, "--schema-only"] + server.conn_args(db), None),
                "b": ([binary, "diff", "--from", url, "--to", url], "empty"),
                "c": ([binary, "diff", "--from", url, "--to", url_mut], "nonempty"),
                "dump": ([binary, "dump", "--db", url], None),
                "f": ([binary, "diff", "--from", url, "--to", base], None),
            }
            if baseline:
                cmds["b0"] = ([baseline, "diff", "--from", url, "--to", url], "empty")
                cmds["c0"] = ([baseline, "diff", "--from", url, "--to", url_mut], "nonempty")
            order = [k for k in ("a", "b", "c", "b0", "c0", "dump", "f", "e") if k in only]
            times = {k: [] for k in order}
            rss = {k: [] for k in order}
            outputs = {}
            for rnd in range(args.warmup + args.runs):
                warm = rnd < args.warmup
                for k in order:
                    if k == "e":
                        name = "floor_%d_%d" % (n, rnd)
                        shm.create_db(name)
                        t, m, _ = timed(shm.load_cmd(name, base), timeout=args.timeout, what="psql -f")
                        shm.drop_db(name)
                    else:
                        cmd, expect = cmds[k]
                        t, m, out = timed(cmd, stdout="capture", timeout=args.timeout, what=k)
                        text = out.decode(errors="replace")
                        if expect == "empty" and text.strip():
                            raise BenchError("the self diff at N=%d is not empty:\n%s" % (n, text[:2000]))
                        if expect == "nonempty" and not text.strip():
                            raise BenchError("the mutated diff at N=%d is empty" % n)
                        if k not in outputs:
                            outputs[k] = text
                            if k in ("c", "f", "dump"):
                                with open(os.path.join(args.out, "out_%s_%d.sql" % (k, n)), "w") as fo:
                                    fo.write(text)
                    if not warm:
                        times[k].append(t)
                        rss[k].append(m)
                    log("N=%d round %d%s %-5s %7.3f s %7.1f MB" % (n, rnd, " (warm-up)" if warm else "", k, t, m))
            statements = {}
            logfile = server_log()
            if not args.no_count and logfile:
                opts = "-c log_statement=all"
                env = dict(os.environ, PGOPTIONS=opts)
                if "a" in only:
                    statements["a"] = count_statements(cmds["a"][0], env, logfile, "a")
                for k in ("b", "c"):
                    if k in only:
                        cmd = [with_options(x, opts) if x in (url, url_mut) else x for x in cmds[k][0]]
                        statements[k] = count_statements(cmd, None, logfile, k)
            med = {k: statistics.median(v) for k, v in times.items()}
            ratios = {}
            for k in ("b", "c", "b0", "c0", "dump"):
                if k in med and "a" in med:
                    ratios["%s/a" % k] = med[k] / med["a"]
            if "f" in med and "e" in med and "a" in med:
                ratios["f/(e+a)"] = med["f"] / (med["e"] + med["a"])
            res = {"n": n, "timings": {k: summarize(v) for k, v in times.items()},
                   "rss_mb": {k: summarize(v) for k, v in rss.items()}, "ratios": ratios,
                   "statements": statements, "f_diff_lines": len(outputs.get("f", "").splitlines()),
                   "c_diff_lines": len(outputs.get("c", "").splitlines())}
            results.append(res)
            print()
            print("== N = %d (%d runs, median (min); RSS median MB) ==" % (n, args.runs))
            for k in order:
                print("  %-5s %8.3f s (%7.3f)  %7.1f MB  %s" % (
                    k, med[k], min(times[k]), statistics.median(rss[k]),
                    ("%d statements" % statements[k]) if k in statements else ""))
            for name, v in ratios.items():
                limit = TARGETS.get(name)
                verdict = ""
                if limit is not None and n >= TARGET_N:
                    verdict = "ok" if v <= limit else "MISSED (> %.1f)" % limit
                print("  ratio %-9s = %5.2f %s" % (name, v, verdict))
            for k in ("b", "c"):
                if k in rss and n == TARGET_N:
                    m = statistics.median(rss[k])
                    print("  RSS %s = %.0f MB %s" % (k, m, "ok" if m <= RSS_TARGET_MB else "MISSED (> %d)" % RSS_TARGET_MB))
            sys.stdout.flush()
        if len(results) > 1:
            by = {r["n"]: r for r in results}
            if 5000 in by and 20000 in by and "b" in by[5000]["timings"]:
                s = by[20000]["timings"]["b"]["median"] / by[5000]["timings"]["b"]["median"]
                print("  scaling b: 20000/5000 = %.2f (target <= 4.5)" % s)
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        if throwaway:
            throwaway.stop()
    doc = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "label": args.label, "schemactl_sha256": sha, "machine": {"cpus": os.cpu_count(),
           "platform": platform.platform()}, "results": results}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        log("error: %s" % e)
        sys.exit(1)
