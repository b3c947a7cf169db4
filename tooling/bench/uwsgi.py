#!/usr/bin/env python3
"""Measure uWSGI knobs on the lab, one at a time, side by side (not a test: figures only).

The uwsgi role's test app (roles/uwsgi/molecule/default/files/app.py) runs on app1 through
the role itself, on http-socket so wrk can reach it directly: the app tier alone, no nginx
in front (shared/TUNING.md section 1: test each layer alone). Two paths: / answers at once
(CPU only), /wait sleeps 20 ms like a database round trip.

    .venv/bin/python tooling/bench/uwsgi.py concurrency   # processes x threads
    .venv/bin/python tooling/bench/uwsgi.py logging       # per-request logging on/off
"""
from __future__ import annotations

import sys

from benchlib import arguments, apply, report, run_rounds

APP_HOST = "172.29.213.21"  # app1's private address (inventories/local)
URLS = [f"http://{APP_HOST}:8000/", f"http://{APP_HOST}:8000/wait"]


def workers(processes: int, threads: int) -> dict:
    return {"uwsgi_processes": processes, "uwsgi_threads": threads}


SUITES = {
    # "stock" = uWSGI's own 1 process, 1 thread; the role's default on 2 vCPUs is 4 x 2.
    "concurrency": [("stock: 1 process x 1 thread", workers(1, 1)),
                    ("2 x 1 (1 per CPU)", workers(2, 1)),
                    ("4 x 1 (2 per CPU)", workers(4, 1)),
                    ("role default: 4 x 2", {}),
                    ("4 x 4", workers(4, 4))],
    "logging": [("request logging off (default)", {}),
                ("request logging on (journal)", {"uwsgi_request_logging": True})],
}


def main(argv: list[str]) -> int:
    args = arguments(__doc__, SUITES, seconds=6, connections=32, argv=argv)

    def apply_variant(variables: dict) -> None:
        apply("tooling/bench/uwsgi-app.yml", variables)

    results = run_rounds(SUITES[args.suite], URLS, apply_variant, args.rounds, args.seconds,
                         args.connections)
    apply_variant({})
    report(f"uwsgi-{args.suite}",
           f"{args.suite}: wrk -t2 -c{args.connections} -d{args.seconds}s on app1, median of "
           f"{args.rounds}", results,
           {"suite": args.suite, "connections": args.connections, "seconds": args.seconds})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
