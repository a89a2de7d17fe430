#!/usr/bin/env python3
"""schemactl speed benchmark: how long `schemactl diff` takes next to pg_dump and psql.

Not a test. One run generates deterministic schemas of N tables, loads them into the local
PostgreSQL cluster, and times, for each N (median and min of --runs, wall clock):

  a  pg_dump --schema-only -d bench_N > /dev/null                        (the reference)
  b  schemactl diff --from URL(bench_N) --to URL(bench_N)                (self diff, must be empty)
  c  schemactl diff --from URL(bench_N) --to URL(bench_N_mut)            (must be non-empty)
  d  schemactl diff --from URL(bench_empty) --to schema_N.sql            (embedded shadow cluster)
  e  psql -q -v ON_ERROR_STOP=1 -f schema_N.sql into a fresh database of a throwaway cluster
     under /tmp tuned like schemactl's shadow                             (the shadow's floor)
  e_shm  the same into a second throwaway cluster on /dev/shm, where the shadow now lives
  d0 schemactl diff --from URL(bench_empty) --to empty.sql               (shadow fixed cost)

and reports b/a, c/a and d/(e+a). Targets at N=5000: b/a <= 1.0, d/(e+a) <= 1.5; a missed
target prints MISSED but does not change the exit status. Exit status 1: schemactl failed, the
self diff was not empty, or the mutated diff was empty. With --peers, migra is timed beside
b and c (from a venv at bench/.venv, created on first use).

Python 3 standard library only. As root, the throwaway clusters are initialised and run as the
`postgres` user; as anyone else, as that user. See bench/README.md.
"""

import argparse
import datetime
import getpass
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin"

# The settings schemactl's embedded shadow cluster runs with (crates/shadow/src/cluster.rs)
# and its initdb options (crates/shadow/src/template.rs).
SHADOW_SETTINGS = [
    "listen_addresses=",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "autovacuum=off",
    "max_connections=100",
    "shared_buffers=128MB",
    "max_locks_per_transaction=512",
    "dynamic_shared_memory_type=mmap",
    "TimeZone=UTC",
    "log_timezone=UTC",
]
SHADOW_INITDB = ["--no-sync", "--auth=trust", "-E", "UTF8", "--locale=C", "--wal-segsize=1"]

TARGETS = {"b/a": 1.0, "d/(e+a)": 1.5}  # binding at N >= TARGET_N
TARGET_N = 5000


class BenchError(Exception):
    """A fatal problem: reported, cleaned up after, exit status 1."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Schema generation
# --------------------------------------------------------------------------------------------

NOUNS = [
    "account", "customer", "order", "invoice", "payment", "product", "shipment", "address",
    "supplier", "warehouse", "ticket", "comment", "project", "task", "employee", "department",
    "contract", "subscription", "coupon", "review", "session", "device", "report", "audit",
    "category", "campaign", "lead", "quote", "refund", "transfer", "ledger", "budget",
]

ENUMS = [
    ("order_status", ["pending", "active", "suspended", "closed"]),
    ("priority_level", ["low", "normal", "high", "urgent"]),
    ("currency_code", ["EUR", "USD", "GBP", "JPY", "CHF"]),
    ("approval_state", ["draft", "submitted", "approved", "rejected"]),
    ("channel_kind", ["web", "mobile", "email", "phone", "partner"]),
    ("risk_grade", ["a", "b", "c", "d"]),
]

SEQUENCES = [
    ("invoice_number_seq", "START WITH 100000 INCREMENT BY 1"),
    ("ticket_number_seq", "START WITH 1 INCREMENT BY 1 CACHE 20"),
    ("batch_id_seq", "AS integer START WITH 1 INCREMENT BY 1"),
    ("external_ref_seq", "START WITH 5000000 INCREMENT BY 10"),
    ("audit_serial_seq", "START WITH 1 INCREMENT BY 1 NO CYCLE"),
]


def q(s):
    """SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def col(name, typ, notnull=False, default=None):
    return {"name": name, "type": typ, "notnull": notnull, "default": default}


def column_pool(rng):
    """Candidate non-key columns: (weight, factory)."""
    enum_name, labels = rng.choice(ENUMS)
    seq_name = rng.choice(SEQUENCES)[0]
    return [
        (10, lambda: col("name", "text", True)),
        (8, lambda: col("code", "varchar(50)", rng.random() < 0.5)),
        (5, lambda: col("title", "varchar(%d)" % rng.choice([100, 200, 255]))),
        (5, lambda: col("description", "text")),
        (6, lambda: col("amount", "numeric(12,2)", rng.random() < 0.5, "0" if rng.random() < 0.3 else None)),
        (3, lambda: col("rate", "numeric(8,4)")),
        (5, lambda: col("quantity", "integer", True, "0")),
        (3, lambda: col("external_ref", "bigint")),
        (5, lambda: col("updated_at", "timestamptz")),
        (5, lambda: col("metadata", "jsonb", True, "'{}'::jsonb")),
        (3, lambda: col("payload", "jsonb")),
        (6, lambda: col("is_active", "boolean", True, "false")),
        (3, lambda: col("is_deleted", "boolean", True, "false")),
        (5, lambda: col("status", enum_name, True, q(labels[0]) + "::" + enum_name)),
        (2, lambda: col("serial_no", "bigint", True, "nextval(%s::regclass)" % q(seq_name))),
        (3, lambda: col("email", "varchar(320)")),
        (3, lambda: col("due_date", "date")),
    ]


def make_table(rng, idx, tables, name=None):
    noun = rng.choice(NOUNS)
    tname = name or "t%05d_%s" % (idx, noun)
    pk_type = "bigint" if rng.random() < 0.7 else "integer"
    identity = "BY DEFAULT" if rng.random() < 0.8 else "ALWAYS"
    t = {
        "name": tname,
        "noun": noun,
        "columns": [col("id", pk_type + " GENERATED %s AS IDENTITY" % identity, True)],
        "pk_type": pk_type,
        "fk": None,
        "uniques": [],
        "checks": [],
        "indexes": [],
        "comment": None,
        "column_comments": [],
    }
    if tables and rng.random() < 0.85:
        parent = rng.choice(tables[-200:] if rng.random() < 0.7 else tables)
        fk_col = "%s_id" % parent["noun"]
        if fk_col == "id":
            fk_col = "parent_id"
        notnull = rng.random() < 0.6
        t["columns"].append(col(fk_col, parent["pk_type"], notnull))
        actions = ["", "", " ON DELETE CASCADE", " ON DELETE RESTRICT"] + ([] if notnull else [" ON DELETE SET NULL"])
        t["fk"] = {
            "name": "%s_%s_fkey" % (tname, fk_col),
            "column": fk_col,
            "target": parent["name"],
            "on_delete": rng.choice(actions),
        }
    t["columns"].append(col("created_at", "timestamptz", True, "now()"))
    # 5-10 columns in all.
    want = rng.randint(5, 10)
    pool = column_pool(rng)
    names = {c["name"] for c in t["columns"]}
    # Most tables carry a varchar(50) code: the type-change mutation needs some.
    if rng.random() < 0.6:
        t["columns"].append(col("code", "varchar(50)"))
        names.add("code")
    while len(t["columns"]) < want:
        weights = [w for w, _ in pool]
        c = rng.choices(pool, weights)[0][1]()
        if c["name"] in names:
            if len(names) >= len(pool) + 3:
                break
            continue
        names.add(c["name"])
        t["columns"].append(c)

    cols = {c["name"]: c for c in t["columns"]}
    # Unique constraints (~20%).
    if rng.random() < 0.2:
        if "code" in cols:
            t["uniques"].append(("%s_code_key" % tname, ["code"]))
        elif "email" in cols:
            t["uniques"].append(("%s_email_key" % tname, ["email"]))
        elif "name" in cols and t["fk"]:
            t["uniques"].append(("%s_%s_name_key" % (tname, t["fk"]["column"]), [t["fk"]["column"], "name"]))
    # Check constraints (~25%).
    if rng.random() < 0.25:
        options = []
        if "amount" in cols:
            options.append(("amount_check", "amount >= 0"))
        if "quantity" in cols:
            options.append(("quantity_check", "quantity >= 0"))
        if "updated_at" in cols:
            options.append(("updated_check", "updated_at >= created_at"))
        if "code" in cols:
            options.append(("code_check", "char_length(code) > 0"))
        if "rate" in cols:
            options.append(("rate_check", "rate BETWEEN 0 AND 1"))
        if options:
            for cname, expr in rng.sample(options, min(len(options), rng.randint(1, 2))):
                t["checks"].append(("%s_%s" % (tname, cname), expr))
    # 1-2 secondary indexes.
    first = [t["fk"]["column"]] if t["fk"] else ["created_at"]
    t["indexes"].append({"name": "%s_%s_idx" % (tname, first[0]), "using": None, "cols": first, "where": None})
    if rng.random() < 0.5:
        choices = [({"cols": ["created_at DESC"]}, "created_desc")]
        if "name" in cols:
            choices.append(({"cols": ["name"]}, "name"))
        if "status" in cols:
            choices.append(({"cols": ["status", "created_at"]}, "status_created"))
        if "is_active" in cols and "name" in cols:
            choices.append(({"cols": ["name"], "where": "is_active"}, "name_active"))
        if "metadata" in cols and rng.random() < 0.3:
            choices.append(({"cols": ["metadata"], "using": "gin"}, "metadata_gin"))
        spec, suffix = rng.choice(choices)
        idx_name = "%s_%s_idx" % (tname, suffix)
        if idx_name != t["indexes"][0]["name"]:
            t["indexes"].append({"name": idx_name, "using": spec.get("using"), "cols": spec["cols"],
                                 "where": spec.get("where")})
    # Comments (~30% tables, ~10% a column).
    if rng.random() < 0.3:
        t["comment"] = rng.choice([
            "One row per %s." % noun,
            "The %s's current state; history lives elsewhere." % noun,
            "Imported nightly from the legacy system (%s feed)." % noun,
        ])
    if rng.random() < 0.1:
        c = rng.choice(t["columns"])
        t["column_comments"].append((c["name"], "The %s of the %s, as entered." % (c["name"], noun)))
    return t


def generate(n, seed):
    rng = random.Random("schemactl-bench-%d-%d" % (seed, n))
    tables = []
    for i in range(n):
        tables.append(make_table(rng, i, tables))
    return {"n": n, "tables": tables, "enums": ENUMS, "sequences": SEQUENCES}


def render_table(t):
    lines = []
    for c in t["columns"]:
        s = "    %s %s" % (c["name"], c["type"])
        if c["default"] is not None:
            s += " DEFAULT %s" % c["default"]
        if c["notnull"] and "IDENTITY" not in c["type"]:
            s += " NOT NULL"
        lines.append(s)
    lines.append("    CONSTRAINT %s_pkey PRIMARY KEY (id)" % t["name"])
    if t["fk"]:
        fk = t["fk"]
        lines.append("    CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id)%s"
                     % (fk["name"], fk["column"], fk["target"], fk["on_delete"]))
    for name, cols in t["uniques"]:
        lines.append("    CONSTRAINT %s UNIQUE (%s)" % (name, ", ".join(cols)))
    for name, expr in t["checks"]:
        lines.append("    CONSTRAINT %s CHECK (%s)" % (name, expr))
    out = ["CREATE TABLE %s (\n%s\n);" % (t["name"], ",\n".join(lines))]
    for ix in t["indexes"]:
        s = "CREATE INDEX %s ON %s" % (ix["name"], t["name"])
        if ix["using"]:
            s += " USING %s" % ix["using"]
        s += " (%s)" % ", ".join(ix["cols"])
        if ix["where"]:
            s += " WHERE %s" % ix["where"]
        out.append(s + ";")
    if t["comment"]:
        out.append("COMMENT ON TABLE %s IS %s;" % (t["name"], q(t["comment"])))
    for cname, text in t["column_comments"]:
        out.append("COMMENT ON COLUMN %s.%s IS %s;" % (t["name"], cname, q(text)))
    return "\n".join(out)


def render(schema, title):
    parts = ["-- %s\n-- Generated by bench/bench.py; deterministic for a given size and seed.\n" % title]
    for name, labels in schema["enums"]:
        parts.append("CREATE TYPE %s AS ENUM (%s);" % (name, ", ".join(q(x) for x in labels)))
    parts.append("")
    for name, opts in schema["sequences"]:
        parts.append("CREATE SEQUENCE %s %s;" % (name, opts))
    parts.append("")
    for t in schema["tables"]:
        parts.append(render_table(t) + "\n")
    return "\n".join(parts)


def mutate(schema, seed):
    """A copy with ~2% of the tables touched by each kind of change (at least one of each).
    Each changed table gets one change; returns (schema, list of change descriptions)."""
    import copy
    n = schema["n"]
    rng = random.Random("schemactl-bench-mut-%d-%d" % (seed, n))
    mut = copy.deepcopy(schema)
    tables = mut["tables"]
    k = max(1, round(n * 0.02))
    used = set()
    changes = []
    referenced = {t["fk"]["target"] for t in tables if t["fk"]}

    def pick(pred, count):
        cands = [t for t in tables if t["name"] not in used and pred(t)]
        chosen = rng.sample(cands, min(count, len(cands)))
        for t in chosen:
            used.add(t["name"])
        return chosen

    def indexed_cols(t):
        cs = set()
        for ix in t["indexes"]:
            cs.update(c.split()[0] for c in ix["cols"])
            if ix["where"]:
                cs.add(ix["where"])
        for _, cols in t["uniques"]:
            cs.update(cols)
        for _, expr in t["checks"]:
            cs.update(w for w in expr.replace("(", " ").replace(")", " ").split())
        cs.update(c for c, _ in t["column_comments"])
        if t["fk"]:
            cs.add(t["fk"]["column"])
        return cs

    # Dropped tables first: nothing may reference them, and no new table will.
    for t in pick(lambda t: t["name"] not in referenced, k):
        tables.remove(t)
        changes.append("drop table %s" % t["name"])
    for t in pick(lambda t: True, k):
        t["columns"].append(col("added_note", "text"))
        changes.append("add column %s.added_note" % t["name"])

    def droppable(t):
        busy = indexed_cols(t) | {"id", "created_at"}
        return [c for c in t["columns"] if c["name"] not in busy]

    for t in pick(lambda t: droppable(t), k):
        c = rng.choice(droppable(t))
        t["columns"].remove(c)
        changes.append("drop column %s.%s" % (t["name"], c["name"]))
    for t in pick(lambda t: any(c["type"] == "varchar(50)" for c in t["columns"]), k):
        c = next(c for c in t["columns"] if c["type"] == "varchar(50)")
        c["type"] = "varchar(100)"
        changes.append("alter column %s.%s varchar(50) -> varchar(100)" % (t["name"], c["name"]))
    for t in pick(lambda t: True, k):
        t["indexes"].append({"name": "%s_mut_created_id_idx" % t["name"], "using": None,
                             "cols": ["created_at", "id"], "where": None})
        changes.append("add index %s_mut_created_id_idx" % t["name"])
    for t in pick(lambda t: len(t["indexes"]) > 0, k):
        ix = t["indexes"].pop(rng.randrange(len(t["indexes"])))
        changes.append("drop index %s" % ix["name"])
    for i in range(k):
        t = make_table(rng, n + i, tables, name="t%05d_added" % (n + i))
        tables.append(t)
        changes.append("add table %s" % t["name"])
    return mut, changes


# --------------------------------------------------------------------------------------------
# Processes, databases, the throwaway cluster
# --------------------------------------------------------------------------------------------

def run(cmd, *, env=None, capture=True, timeout=None, check=True, stdout=None, what=None, cwd=None):
    """Runs a command; returns (elapsed seconds, CompletedProcess)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=stdout if stdout is not None else (subprocess.PIPE if capture else None),
                       stderr=subprocess.PIPE, timeout=timeout)
    elapsed = time.perf_counter() - t0
    if check and p.returncode != 0:
        err = (p.stderr or b"").decode(errors="replace").strip()
        raise BenchError("%s failed (exit %d): %s\n%s" % (what or cmd[0], p.returncode, " ".join(cmd), err[-4000:]))
    return elapsed, p


class Server:
    """Connection options for a PostgreSQL server reachable with psql."""

    def __init__(self, bindir, host, port, user):
        self.bindir, self.host, self.port, self.user = bindir, host, str(port), user

    def tool(self, name):
        return os.path.join(self.bindir, name)

    def conn_args(self, db):
        return ["-h", self.host, "-p", self.port, "-U", self.user, "-d", db]

    def url(self, db):
        host = urllib.parse.quote(self.host, safe="/")
        return "postgresql://%s@/%s?host=%s&port=%s" % (urllib.parse.quote(self.user, safe=""), db, host, self.port)

    def sql(self, statement, db="postgres"):
        run([self.tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"] + self.conn_args(db)
            + ["-c", statement], what="psql")

    def query(self, statement, db="postgres"):
        _, p = run([self.tool("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-At"] + self.conn_args(db)
                   + ["-c", statement], what="psql")
        return p.stdout.decode().strip()

    def create_db(self, db):
        self.sql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        self.sql('CREATE DATABASE "%s" TEMPLATE template0' % db)

    def drop_db(self, db):
        self.sql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)

    def load_cmd(self, db, path):
        return [self.tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"] + self.conn_args(db) + ["-f", path]

    def load(self, db, path, env=None, timeout=None):
        return run(self.load_cmd(db, path), env=env, timeout=timeout, what="psql -f %s" % path)[0]


def as_postgres(cmd):
    """Prefixes cmd so that it runs as the `postgres` user when we are root."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"] + cmd
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join("'%s'" % c.replace("'", "'\\''") for c in cmd)]


class ThrowawayCluster:
    """An initdb'd cluster under /tmp, tuned like schemactl's shadow; removed by stop()."""

    def __init__(self, bindir, base="/tmp", port=54329):
        self.bindir = bindir
        self.base = base
        self.port = port
        self.root = None
        self.data = None
        self.server = None
        self.started = False

    def start(self):
        self.root = tempfile.mkdtemp(prefix="schemactl-bench-", dir=self.base)
        self.data = os.path.join(self.root, "data")
        sock = os.path.join(self.root, "s")
        os.mkdir(sock)
        if os.geteuid() == 0:
            import pwd
            pw = pwd.getpwnam("postgres")
            for p in (self.root, sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            user = "postgres"
        else:
            user = getpass.getuser()
        run(as_postgres([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", user] + SHADOW_INITDB),
            what="initdb", cwd=self.root)
        port = self.port
        opts = " ".join("-c %s" % s if not s.endswith("=") else "-c %s''" % s for s in SHADOW_SETTINGS)
        opts += " -k %s -p %d" % (sock, port)
        self.started = True  # from here on, stop() tries pg_ctl
        run(as_postgres([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w", "-t", "60", "-s",
                         "-l", os.path.join(self.root, "server.log"), "-o", opts, "start"]),
            what="pg_ctl start", cwd=self.root)
        self.server = Server(self.bindir, sock, port, user)
        return self.server

    def stop(self):
        if self.root is None:
            return
        if self.started and os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                run(as_postgres([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate",
                                 "-w", "-t", "30", "-s", "stop"]), what="pg_ctl stop", timeout=60, cwd=self.root)
            except Exception as e:  # last resort: kill the postmaster we started
                log("warning: pg_ctl stop failed (%s); killing the postmaster" % e)
                try:
                    with open(os.path.join(self.data, "postmaster.pid")) as f:
                        os.kill(int(f.readline().strip()), signal.SIGKILL)
                    time.sleep(1)
                except Exception:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


# --------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------

def summarize(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "runs": [round(s, 4) for s in samples]}


def fmt(x):
    return "-" if x is None else ("%.3f" % x)


LABELS = [
    ("a", "pg_dump --schema-only (reference)"),
    ("b", "schemactl diff db -> same db"),
    ("c", "schemactl diff db -> mutated db"),
    ("d", "schemactl diff empty db -> schema file (shadow)"),
    ("e", "psql -f schema file into throwaway cluster (floor)"),
    ("e_shm", "same as e, throwaway cluster on /dev/shm (where the shadow lives)"),
    ("d0", "schemactl diff empty db -> empty file (shadow fixed cost)"),
    ("d_dev", "d with --dev-url = the throwaway cluster (no cluster start)"),
    ("e1", "e with psql -1 (one transaction, as schemactl loads)"),
    ("migra_b", "migra --unsafe db -> same db"),
    ("migra_c", "migra --unsafe db -> mutated db"),
]


def ratios(med):
    r = {}
    a = med.get("a")
    if a:
        if med.get("b") is not None:
            r["b/a"] = med["b"] / a
        if med.get("c") is not None:
            r["c/a"] = med["c"] / a
        if med.get("d") is not None and med.get("e") is not None:
            r["d/(e+a)"] = med["d"] / (med["e"] + a)
        if med.get("d") is not None and med.get("e_shm") is not None:
            r["d/(e_shm+a)"] = med["d"] / (med["e_shm"] + a)
        if med.get("migra_b") is not None:
            r["migra_b/a"] = med["migra_b"] / a
        if med.get("migra_c") is not None:
            r["migra_c/a"] = med["migra_c"] / a
    return r


def verdict(n, name, value):
    limit = TARGETS.get(name)
    if limit is None:
        return ""
    ok = value <= limit
    if n >= TARGET_N:
        return "ok (<= %.1f)" % limit if ok else "MISSED (> %.1f)" % limit
    return "(target <= %.1f applies at %d)" % (limit, TARGET_N)


def print_size(res):
    n = res["n"]
    print()
    print("== N = %d tables (%d runs; schema file %s, %d statements) ==" % (
        n, res["runs"], os.path.basename(res["schema_file"]), res["statements"]))
    print("  %-8s %-66s %9s %9s" % ("", "measurement", "median s", "min s"))
    for key, label in LABELS:
        if key in res["timings"]:
            t = res["timings"][key]
            print("  %-8s %-66s %9s %9s" % (key, label, fmt(t["median"]), fmt(t["min"])))
    for name, value in res["ratios"].items():
        print("  ratio %-12s = %6.3f  %s" % (name, value, verdict(n, name, value)))
    sys.stdout.flush()


def markdown(results):
    keys = [k for k, _ in LABELS if any(k in r["timings"] for r in results["sizes"])]
    out = []
    out.append("Median (min) wall-clock seconds over %d runs; %s; %s; %d cores." % (
        results["runs"], results["server_version"], results["date"], results["cores"]))
    out.append("")
    rnames = [k for k in ["b/a", "c/a", "d/(e+a)", "d/(e_shm+a)", "migra_b/a", "migra_c/a"]
              if any(k in r["ratios"] for r in results["sizes"])]
    header = "| N tables | " + " | ".join(keys) + " | " + " | ".join(rnames) + " |"
    out.append(header)
    out.append("|" + "---|" * (header.count("|") - 1))
    for r in results["sizes"]:
        cells = ["%d" % r["n"]]
        for k in keys:
            t = r["timings"].get(k)
            cells.append("%s (%s)" % (fmt(t["median"]), fmt(t["min"])) if t else "-")
        for name in rnames:
            v = r["ratios"].get(name)
            s = "-" if v is None else "%.2f" % v
            if v is not None and name in TARGETS and r["n"] >= TARGET_N:
                s += " ok" if v <= TARGETS[name] else " **MISSED**"
            cells.append(s)
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("Keys: " + "; ".join("%s = %s" % (k, label) for k, label in LABELS if k in keys) + ".")
    out.append("")
    out.append("Targets at N=%d: b/a <= %.1f, d/(e+a) <= %.1f." % (TARGET_N, TARGETS["b/a"], TARGETS["d/(e+a)"]))
    return "\n".join(out) + "\n"


def ensure_migra(venv):
    migra = os.path.join(venv, "bin", "migra")
    if os.path.exists(migra):
        return migra
    log("creating %s with migra (pip install migra psycopg2-binary setuptools 'sqlalchemy<2')" % venv)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "migra", "psycopg2-binary",
                    "setuptools", "sqlalchemy<2"], check=True)
    return migra


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,5000", help="comma-separated table counts")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median, min)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    ap.add_argument("--keep", action="store_true", help="keep the bench_* databases afterwards")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="output directory")
    ap.add_argument("--host", default=os.environ.get("PGHOST", "/var/run/postgresql"))
    ap.add_argument("--port", default=os.environ.get("PGPORT", "5432"))
    ap.add_argument("--user", default=os.environ.get("PGUSER", getpass.getuser()))
    ap.add_argument("--bindir", default=DEFAULT_BINDIR, help="PostgreSQL client/server binaries")
    ap.add_argument("--schemactl", default=os.path.join(REPO, "target", "release", "schemactl"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    ap.add_argument("--peers", action="store_true", help="also time migra (venv at bench/.venv)")
    ap.add_argument("--floor-dir", default="/tmp", help="where the throwaway cluster for e lives")
    ap.add_argument("--no-shm", action="store_true", help="skip e_shm (a second floor cluster on /dev/shm)")
    ap.add_argument("--breakdown", action="store_true",
                    help="also time d with --dev-url (no embedded cluster start) and psql -1 (one transaction)")
    ap.add_argument("--venv", default=os.path.join(HERE, ".venv"))
    ap.add_argument("--generate-only", action="store_true", help="write the schema files and stop")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    os.makedirs(args.out, exist_ok=True)

    # Signals become exceptions so that `finally` cleans up on every exit path; subprocess.run
    # kills the running child when interrupted.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    schemas = {}
    for n in sizes:
        schema = generate(n, args.seed)
        mut, changes = mutate(schema, args.seed)
        base = os.path.join(args.out, "schema_%d.sql" % n)
        mpath = os.path.join(args.out, "schema_%d_mut.sql" % n)
        with open(base, "w") as f:
            f.write(render(schema, "%d tables" % n))
        with open(mpath, "w") as f:
            f.write(render(mut, "%d tables, mutated: %s" % (n, "; ".join(changes))))
        with open(os.path.join(args.out, "changes_%d.txt" % n), "w") as f:
            f.write("\n".join(changes) + "\n")
        statements = sum(1 for line in open(base) if line.rstrip().endswith(";"))
        schemas[n] = (base, mpath, changes, statements)
        log("generated %s (%d statements, %d bytes) and its mutation (%d changes)"
            % (base, statements, os.path.getsize(base), len(changes)))
    empty_sql = os.path.join(args.out, "empty.sql")
    with open(empty_sql, "w") as f:
        f.write("-- an empty schema\n")
    if args.generate_only:
        return 0

    if not os.access(args.schemactl, os.X_OK):
        raise BenchError("no schemactl binary at %s (cargo build --release -p schemactl)" % args.schemactl)
    # Time a private copy: a concurrent `cargo build` must not swap the binary mid-run.
    snapshot = os.path.join(args.out, ".schemactl-under-test")
    shutil.copy2(args.schemactl, snapshot)
    with open(snapshot, "rb") as f:
        import hashlib
        binary_sha = hashlib.sha256(f.read()).hexdigest()
    binary_time = datetime.datetime.fromtimestamp(os.path.getmtime(args.schemactl)).astimezone()
    args.schemactl = snapshot
    migra = ensure_migra(args.venv) if args.peers else None

    main_server = Server(args.bindir, args.host, args.port, args.user)
    throwaway = ThrowawayCluster(args.bindir, base=args.floor_dir)
    # schemactl puts its shadow on /dev/shm when that has room (crates/shadow/src/stale.rs):
    # a second floor there shows what the file system alone is worth.
    use_shm = not args.no_shm and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) \
        and os.path.realpath(args.floor_dir) != "/dev/shm"
    throwaway_shm = ThrowawayCluster(args.bindir, base="/dev/shm", port=54328) if use_shm else None
    created = []
    failures = []
    results = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python3", "bench/bench.py"] + sys.argv[1:]),
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "runs": args.runs,
        "warmup": args.warmup,
        "seed": args.seed,
        "schemactl_sha256": binary_sha,
        "schemactl_built": binary_time.isoformat(timespec="seconds"),
        "sizes": [],
    }
    setup_env = dict(os.environ, PGOPTIONS="-c synchronous_commit=off")  # setup loads only
    try:
        results["server_version"] = main_server.query("SELECT version()").split(" on ")[0]
        results["pg_dump_version"] = run([main_server.tool("pg_dump"), "--version"])[1].stdout.decode().strip()
        results["schemactl_version"] = run([args.schemactl, "--version"])[1].stdout.decode().strip()
        log("server: %s; %s" % (results["server_version"], results["schemactl_version"]))

        log("starting the throwaway cluster(s) (tuned like the shadow)")
        floor_server = throwaway.start()
        shm_server = throwaway_shm.start() if throwaway_shm else None
        # The breakdown's --dev-url and one-transaction loads go where the shadow would be.
        near_shadow = shm_server or floor_server

        created.append("bench_empty")
        main_server.create_db("bench_empty")
        empty_url = main_server.url("bench_empty")

        for n in sizes:
            base, mpath, changes, statements = schemas[n]
            db, mdb = "bench_%d" % n, "bench_%d_mut" % n
            for name, path in ((db, base), (mdb, mpath)):
                created.append(name)
                main_server.create_db(name)
                t = main_server.load(name, path, env=setup_env, timeout=args.timeout)
                log("loaded %s in %.1f s" % (name, t))
            url, murl = main_server.url(db), main_server.url(mdb)
            sc = [args.schemactl, "diff"]
            cmds = {
                "a": [main_server.tool("pg_dump"), "--schema-only"] + main_server.conn_args(db),
                "b": sc + ["--from", url, "--to", url],
                "c": sc + ["--from", url, "--to", murl],
                "d": sc + ["--from", empty_url, "--to", base],
                "d0": sc + ["--from", empty_url, "--to", empty_sql],
            }
            if args.breakdown:
                cmds["d_dev"] = sc + ["--from", empty_url, "--to", base, "--dev-url", near_shadow.url("postgres")]
            if migra:
                cmds["migra_b"] = [migra, "--unsafe", url, url]
                cmds["migra_c"] = [migra, "--unsafe", url, murl]
            floors = ["e"] + (["e_shm"] if shm_server else []) + (["e1"] if args.breakdown else [])
            samples = {k: [] for k in list(cmds) + floors}
            floor_seq = [0]

            def time_floor(key):
                server = floor_server if key == "e" else near_shadow
                fdb = "floor_%d_%d" % (n, floor_seq[0])
                floor_seq[0] += 1
                server.create_db(fdb)
                cmd = server.load_cmd(fdb, base)
                if key == "e1":
                    cmd.insert(1, "-1")
                t = run(cmd, timeout=args.timeout, what="psql -f %s" % base)[0]
                server.drop_db(fdb)
                return t

            def time_cmd(key, first):
                cmd = cmds[key]
                if key == "a":
                    return run(cmd, stdout=subprocess.DEVNULL, timeout=args.timeout, what="pg_dump")[0]
                if key.startswith("migra"):
                    t, p = run(cmd, timeout=args.timeout, check=False)
                    if p.returncode not in (0, 2):
                        raise BenchError("migra failed (exit %d): %s" % (p.returncode, p.stderr.decode()[-2000:]))
                    if first:
                        with open(os.path.join(args.out, "%s_%d.sql" % (key, n)), "wb") as f:
                            f.write(p.stdout)
                    return t
                t, p = run(cmd, timeout=args.timeout, what="schemactl (%s)" % key)
                outp = p.stdout.decode(errors="replace")
                if first:
                    with open(os.path.join(args.out, "diff_%s_%d.sql" % (key, n)), "w") as f:
                        f.write(outp)
                    if p.stderr:
                        log("  schemactl (%s) stderr: %s" % (key, p.stderr.decode(errors="replace").strip()[:500]))
                if key == "b" and outp.strip():
                    msg = "self diff of %s is not empty (%d lines; see diff_b_%d.sql)" % (db, len(outp.splitlines()), n)
                    if msg not in failures:
                        failures.append(msg)
                        log("FAIL: " + msg)
                if key == "c" and not outp.strip():
                    msg = "diff %s -> %s is empty" % (db, mdb)
                    if msg not in failures:
                        failures.append(msg)
                        log("FAIL: " + msg)
                if key == "d" and not outp.strip():
                    msg = "diff empty -> schema_%d.sql is empty" % n
                    if msg not in failures:
                        failures.append(msg)
                        log("FAIL: " + msg)
                return t

            order = ["a", "b", "c", "d", "e"] + (["e_shm"] if shm_server else []) + ["d0"] \
                + (["d_dev", "e1"] if args.breakdown else []) \
                + [k for k in cmds if k.startswith("migra")]
            for r in range(args.warmup + args.runs):
                timed = r >= args.warmup
                for key in order:
                    if key in floors:
                        t = time_floor(key)
                    else:
                        t = time_cmd(key, first=(r == 0))
                    if timed:
                        samples[key].append(t)
                if timed:
                    log("N=%d run %d/%d: %s" % (n, r - args.warmup + 1, args.runs,
                                               "  ".join("%s=%.2f" % (k, samples[k][-1]) for k in order)))
                else:
                    log("N=%d warm-up %d done" % (n, r + 1))
            timings = {k: summarize(v) for k, v in samples.items() if v}
            med = {k: v["median"] for k, v in timings.items()}
            res = {"n": n, "runs": args.runs, "schema_file": base, "statements": statements,
                   "schema_bytes": os.path.getsize(base), "mutations": changes,
                   "timings": timings, "ratios": ratios(med)}
            res["targets"] = {name: {"limit": TARGETS[name], "value": v, "met": v <= TARGETS[name],
                                     "binding": n >= TARGET_N}
                              for name, v in res["ratios"].items() if name in TARGETS}
            results["sizes"].append(res)
            print_size(res)
            if not args.keep:
                for name in (db, mdb):
                    main_server.drop_db(name)
                    created.remove(name)
    except KeyboardInterrupt as e:
        log("interrupted (%s); cleaning up" % (e or "Ctrl-C"))
        failures.append("interrupted")
    except (BenchError, subprocess.TimeoutExpired, OSError) as e:
        log("error: %s" % e)
        failures.append(str(e).splitlines()[0] if str(e) else repr(e))
    finally:
        # Ignore further signals while cleaning up, so that the cleanup itself completes.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        for cluster in (throwaway, throwaway_shm):
            try:
                if cluster:
                    cluster.stop()
            except Exception as e:
                log("warning: could not stop the throwaway cluster: %s" % e)
        if not args.keep:
            for name in created:
                try:
                    main_server.drop_db(name)
                except Exception as e:
                    log("warning: could not drop %s: %s" % (name, e))
        elif created:
            log("kept databases: %s" % ", ".join(created))
        results["loadavg_end"] = os.getloadavg()
        results["failures"] = failures
        if results["sizes"]:
            with open(os.path.join(args.out, "results.json"), "w") as f:
                json.dump(results, f, indent=2)
            with open(os.path.join(args.out, "results.md"), "w") as f:
                f.write(markdown(results))
            log("wrote %s and %s" % (os.path.join(args.out, "results.json"), os.path.join(args.out, "results.md")))
    if failures:
        log("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        log("error: %s" % e)
        sys.exit(1)
