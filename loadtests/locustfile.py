"""The kit's load test: browse pages and static files, read the API, write to the API.

    locust -f loadtests/locustfile.py --host https://web1 --headless -u 30 -r 10 -t 60s
    locust -f loadtests/locustfile.py --master --expect-workers 4 ...   # then on each worker:
    locust -f loadtests/locustfile.py --worker --master-host MASTER

The gate (failure ratio, p95 latency, minimum requests/s) comes from --gate-* options or
LOCUST_GATE_* environment variables, so one file serves a laptop, CI and a production
smoke test; a missed threshold makes locust exit 1.

--resolve NAME:ADDRESS (LOCUST_RESOLVE) connects to ADDRESS for --host https://NAME, so
the site is asked for by its own name (TLS SNI and Host) wherever DNS points.
LOCUST_READ_ONLY=1 leaves the writers out (no POST): a gate that never adds rows to a
production database. It is read when this file loads, before Locust picks its users.
"""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import gevent.socket

from locust import LoadTestShape, between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import WorkerRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gate import Thresholds, gate_failures, parse_pins  # noqa: E402

STATIC_FILES = ["/static/style.css", "/static/notes.js"]


class StackUser(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    insecure = True  # the lab's and CI's certificates are self-signed


class Browser(StackUser):
    """Someone reading the board: the page, then its static files."""
    weight = 6

    @task
    def page_with_assets(self):
        with self.client.get("/", name="page /", catch_response=True) as response:
            if response.status_code == 200 and "<h1>Notes</h1>" not in response.text:
                response.failure("page without its heading")
        for path in STATIC_FILES:
            self.client.get(path, name="static")


class ApiReader(StackUser):
    """A client polling the JSON API."""
    weight = 3

    @task
    def read_notes(self):
        with self.client.get("/api/notes?limit=20", name="api read", catch_response=True) as response:
            if response.status_code == 200 and "notes" not in response.json():
                response.failure("answer without notes")


class ApiWriter(StackUser):
    """A client posting notes (none in a read-only run)."""
    weight = 0 if os.environ.get("LOCUST_READ_ONLY") == "1" else 1
    wait_time = between(1, 3)

    @task
    def write_note(self):
        body = {"author": f"locust-{random.randint(1, 999)}", "body": "load test note"}
        self.client.post("/api/notes", json=body, name="api write")


class RampUp(LoadTestShape):
    """Three steps to the requested users (-u) over the first three quarters of the run
    time (-t), then the full load until the end: latency is seen at each load level."""
    use_common_options = True

    def tick(self):
        options = self.runner.environment.parsed_options
        run_time = float(options.run_time or 60)
        elapsed = self.get_run_time()
        if elapsed >= run_time:
            return None
        step = min(3, int(elapsed // (run_time / 4)) + 1)
        return max(1, round(options.num_users * step / 3)), options.spawn_rate


@events.init_command_line_parser.add_listener
def add_gate_options(parser):
    parser.add_argument("--gate-max-fail-ratio", type=float, env_var="LOCUST_GATE_MAX_FAIL_RATIO",
                        default=Thresholds.max_fail_ratio, help="fail above this failure ratio")
    parser.add_argument("--gate-p95-ms", type=float, env_var="LOCUST_GATE_P95_MS",
                        default=Thresholds.max_p95_ms, help="fail above this p95 (ms)")
    parser.add_argument("--gate-min-rps", type=float, env_var="LOCUST_GATE_MIN_RPS",
                        default=Thresholds.min_rps, help="fail below this many requests/s")
    parser.add_argument("--resolve", env_var="LOCUST_RESOLVE", default="",
                        help="NAME:ADDRESS ...: connect to ADDRESS when the host is NAME")


@events.init.add_listener
def pin_names(environment, **_kwargs):
    pins = parse_pins(environment.parsed_options.resolve) if environment.parsed_options else {}
    if not pins:
        return
    resolve = gevent.socket.getaddrinfo  # what Locust's HTTP client resolves names with

    def getaddrinfo(host, *args, **kwargs):
        return resolve(pins.get(host, host), *args, **kwargs)

    gevent.socket.getaddrinfo = getaddrinfo


@events.quitting.add_listener
def apply_gate(environment, **_kwargs):
    options, total = environment.parsed_options, environment.stats.total
    if options is None or isinstance(environment.runner, WorkerRunner):
        return  # workers report to the master, which applies the gate
    limits = Thresholds(options.gate_max_fail_ratio, options.gate_p95_ms, options.gate_min_rps)
    p95 = total.get_response_time_percentile(0.95) if total.num_requests else None
    failures = gate_failures(total.fail_ratio, p95, total.total_rps, limits, total.num_requests)
    print(f"GATE requests={total.num_requests} failures={total.num_failures} "
          f"fail_ratio={total.fail_ratio:.4f} rps={total.total_rps:.1f} "
          f"p50={total.get_response_time_percentile(0.5) or 0:.0f}ms p95={p95 or 0:.0f}ms "
          f"p99={total.get_response_time_percentile(0.99) or 0:.0f}ms "
          f"-> {'FAIL: ' + '; '.join(failures) if failures else 'PASS'}")
    if failures:
        environment.process_exit_code = 1
