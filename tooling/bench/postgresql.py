#!/usr/bin/env python3
"""pgbench on the lab's db1: Debian's stock settings versus the postgresql role's defaults.

Same scale, same clients, variants alternated round by round (not a test: figures only).
pgbench runs on db1 itself over the local socket, so it shares db1's 2 vCPUs with the server.

    .venv/bin/python tooling/bench/postgresql.py [--scale 50] [--clients 16] [--seconds 20]
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys

from benchlib import PROJECT, ansible, apply

VARIANTS = [("Debian stock", {"postgresql_bench_variant": "stock"}),
            ("role defaults (pgtune web)", {"postgresql_bench_variant": "tuned"})]
MODES = {"read-write (TPC-B-like)": "", "read-only (-S)": "-S"}


def on_db1(command: str) -> str:
    return ansible("ansible", "db1", "-i", "inventories/local", "-b", "--become-user", "postgres",
                   "-m", "ansible.builtin.command", "-a", command)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--scale", type=int, default=50)
    args = parser.parse_args(argv)

    apply("tooling/bench/postgresql-db.yml", {})
    on_db1(f"pgbench -i -q -s {args.scale} pgbench")
    results = {(label, mode): [] for label, _ in VARIANTS for mode in MODES}
    for round_no in range(1, args.rounds + 1):
        for label, variables in VARIANTS:
            apply("tooling/bench/postgresql-db.yml", variables)
            settings = on_db1("psql -AtXc 'SHOW shared_buffers' pgbench").split()[-1]
            for mode, flag in MODES.items():
                out = on_db1(f"pgbench {flag} -c {args.clients} -j 2 -T {args.seconds} pgbench")
                tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
                latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
                results[(label, mode)].append({"tps": tps, "latency_ms": latency})
                print(f"round {round_no}  {label:<28} shared_buffers {settings:<7} {mode:<24} "
                      f"{tps:>9,.0f} tps  {latency:.2f} ms", flush=True)
    apply("tooling/bench/postgresql-db.yml", {})

    print(f"\npgbench -s {args.scale} -c {args.clients} -j 2 -T {args.seconds} on db1, "
          f"median of {args.rounds}")
    summary, first = [], {}
    for (label, mode), runs in results.items():
        median = statistics.median(r["tps"] for r in runs)
        first.setdefault(mode, median)
        summary.append({"variant": label, "mode": mode, "median_tps": median, "runs": runs})
        print(f"{label:<28} {mode:<24} {median:>9,.0f} tps {median / first[mode]:>6.2f}x")
    out_dir = PROJECT / "reports" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "postgresql-pgbench.json").write_text(json.dumps(
        {"scale": args.scale, "clients": args.clients, "seconds": args.seconds,
         "results": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
