#!/usr/bin/env python3
"""Measure nginx knobs on the lab, one at a time, side by side (not a test: figures only).

Each variant is applied to web1 through the nginx role itself (ansible-playbook -e), then
wrk runs on this machine against web1's private address (never the published port:
docker-proxy would be the bottleneck). Variants alternate round by round so drift on a
shared machine hits all of them alike; the table shows medians and the ratio to the first.

    .venv/bin/python tooling/bench/nginx.py workers      # per-CPU worker factor, static file
    .venv/bin/python tooling/bench/nginx.py upstream     # uwsgi_pass vs proxy_pass
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = PROJECT / ".venv" / "bin"
WEB = "172.29.213.11"  # web1's private address (inventories/local)
STATIC_FILE = "/srv/app/static/bench.txt"


def upstream(protocol: str, port: int, keepalive: int = 32) -> dict:
    return {"nginx_upstreams": [{"name": "app", "group": "app", "port": port,
                                 "protocol": protocol, "keepalive": keepalive}]}


SUITES = {
    "workers": {
        "url": f"https://{WEB}/static/bench.txt",
        "variants": [("1 per CPU", {"nginx_worker_processes_per_cpu": 1}),
                     ("2 per CPU", {"nginx_worker_processes_per_cpu": 2}),
                     ("4 per CPU", {"nginx_worker_processes_per_cpu": 4})],
    },
    "upstream": {
        "url": f"https://{WEB}/",
        "variants": [("uwsgi_pass (uwsgi socket)", upstream("uwsgi", 8001)),
                     ("proxy_pass, no keepalive (http-socket)", upstream("http", 8000, keepalive=0)),
                     ("proxy_pass, keepalive 32 (http-socket)", upstream("http", 8000)),
                     ("proxy_pass, keepalive 32 (http11-socket)", upstream("http", 8002))],
    },
}


def ansible(*args: str) -> None:
    result = subprocess.run([str(VENV_BIN / args[0]), *args[1:]], cwd=PROJECT, capture_output=True,
                            text=True, env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1"})
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")


def apply(variables: dict) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as extra:
        json.dump(variables, extra)
        extra.flush()
        ansible("ansible-playbook", "-i", "inventories/local", "playbooks/web.yml", "-e", f"@{extra.name}")


def wrk(url: str, seconds: int, connections: int) -> tuple[float, str, int, int]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Error answers and timeouts are results (a variant that fails or stalls), reported in
    # the table; req/s counts only good answers.
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(errors.group(1)) if errors else 0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    good_rps = rps * (total - errors) / total if total else 0.0
    return good_rps, p99, int(timeouts.group(1)) if timeouts else 0, errors


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", choices=sorted(SUITES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    suite = SUITES[args.suite]

    # A 30-byte static file, as in shared/TUNING.md section 6.
    ansible("ansible", "web", "-i", "inventories/local", "-b", "-m", "ansible.builtin.file",
            "-a", f"path={Path(STATIC_FILE).parent} state=directory mode=0755")
    ansible("ansible", "web", "-i", "inventories/local", "-b", "-m", "ansible.builtin.copy",
            "-a", f"dest={STATIC_FILE} content={'x' * 29} mode=0644")
    results = {label: [] for label, _ in suite["variants"]}
    for round_no in range(1, args.rounds + 1):
        for label, variables in suite["variants"]:
            apply(variables)
            time.sleep(1)
            wrk(suite["url"], 2, args.connections)  # warm-up: TLS sessions, open_file_cache
            rps, p99, timeouts, errors = wrk(suite["url"], args.seconds, args.connections)
            results[label].append({"rps": rps, "p99": p99, "timeouts": timeouts, "errors": errors})
            print(f"round {round_no}  {label:<40} {rps:>10,.0f} good req/s  p99 {p99}  "
                  f"timeouts {timeouts}  error answers {errors}", flush=True)
    apply({})  # back to the role's defaults

    first = statistics.median(r["rps"] for r in next(iter(results.values())))
    print(f"\n{args.suite}: wrk -t2 -c{args.connections} -d{args.seconds}s {suite['url']}, "
          f"median of {args.rounds}")
    print(f"{'variant':<40} {'good req/s':>10} {'ratio':>7} {'timeouts':>9} {'errors':>9}")
    summary = []
    for label, runs in results.items():
        median = statistics.median(r["rps"] for r in runs)
        summary.append({"variant": label, "median_rps": median, "runs": runs})
        print(f"{label:<40} {median:>10,.0f} {median / first:>6.2f}x "
              f"{sum(r['timeouts'] for r in runs):>9} {sum(r['errors'] for r in runs):>9}")
    out_dir = PROJECT / "reports" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"nginx-{args.suite}.json").write_text(json.dumps(
        {"suite": args.suite, "url": suite["url"], "connections": args.connections,
         "seconds": args.seconds, "results": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
