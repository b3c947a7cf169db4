#!/usr/bin/env python3
"""Measure nginx knobs on the lab, one at a time, side by side (not a test: figures only).

Each variant is applied to web1 through the nginx role itself (ansible-playbook -e), then
wrk runs on this machine against web1's private address (never the published port:
docker-proxy would be the bottleneck).

    .venv/bin/python tooling/bench/nginx.py workers      # per-CPU worker factor, static file
    .venv/bin/python tooling/bench/nginx.py upstream     # uwsgi_pass vs proxy_pass
"""
from __future__ import annotations

import sys
from pathlib import Path

from benchlib import arguments, ansible, apply, report, run_rounds

WEB = "172.29.213.11"  # web1's private address (inventories/local)
STATIC_FILE = "/srv/demo/static/bench.txt"


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


def main(argv: list[str]) -> int:
    args = arguments(__doc__, SUITES, seconds=8, connections=64, argv=argv)
    suite = SUITES[args.suite]

    # A 30-byte static file, as in shared/TUNING.md section 6.
    ansible("ansible", "web", "-i", "inventories/local", "-b", "-m", "ansible.builtin.file",
            "-a", f"path={Path(STATIC_FILE).parent} state=directory mode=0755")
    ansible("ansible", "web", "-i", "inventories/local", "-b", "-m", "ansible.builtin.copy",
            "-a", f"dest={STATIC_FILE} content={'x' * 29} mode=0644")
    results = run_rounds(suite["variants"], [suite["url"]],
                         lambda variables: apply("playbooks/web.yml", variables),
                         args.rounds, args.seconds, args.connections)
    apply("playbooks/web.yml", {})  # back to the role's defaults
    report(f"nginx-{args.suite}",
           f"{args.suite}: wrk -t2 -c{args.connections} -d{args.seconds}s, median of {args.rounds}",
           results, {"suite": args.suite, "connections": args.connections, "seconds": args.seconds})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
