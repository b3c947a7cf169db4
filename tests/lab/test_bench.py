"""`make bench-quick` on the lab's one deploy, as the suite's smoke run of the bench: every
figure is produced (each layer for each profile it measures, the paced run, every target's
value, the table and the chart), and the lab is left as it was deployed (the bench's socket
and firewall opening are gone). It asserts no timing: the figures of a run beside Molecule
say nothing about the kit, only that the bench works."""
import json
import socket
import subprocess
import sys

import pytest

from labtools import PROJECT, PYTHON

sys.path.insert(0, str(PROJECT / "tooling" / "bench"))
import stack  # noqa: E402

REPORT = PROJECT / "reports" / "bench" / "stack-quick"


@pytest.fixture(scope="module")
def bench(deployed, lab_hosts):
    run = subprocess.run([str(PYTHON), "tooling/bench/stack.py", "--quick"], cwd=PROJECT,
                         capture_output=True, text=True, timeout=1200)
    (PROJECT / "reports" / "lab").mkdir(parents=True, exist_ok=True)
    (PROJECT / "reports" / "lab" / "bench-quick.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run, json.loads(REPORT.with_suffix(".json").read_text()), lab_hosts


def test_every_layer_of_every_profile_has_its_figures(bench):
    _, report, _ = bench
    for profile, layers in stack.LAYERS.items():
        for layer in layers:
            figures = report["summary"][layer][profile]
            assert figures["rps"]["median"] > 0, (layer, profile, figures)
            if not layer.startswith("pgbench"):
                assert figures["p95_ms"]["median"] > 0 and 0 < figures["generator_cpu"]["median"] <= 1
    assert report["paced"]["rps"] > 0 and report["paced"]["p95_ms"] > 0
    assert all(v["value"] is not None for v in report["targets"]), report["targets"]


def test_each_profile_ran_what_it_says(bench):
    _, report, _ = bench
    proof = report["evidence"]
    assert proof["stock"]["shared_buffers"] == "128MB" != proof["tuned"]["shared_buffers"]
    assert int(proof["stock"]["uwsgi_processes"]) < int(proof["tuned"]["uwsgi_processes"])


def test_the_table_and_chart_are_written_and_printed(bench):
    run, _, _ = bench
    assert "| target | measured |" in REPORT.with_suffix(".md").read_text()
    assert REPORT.with_suffix(".png").stat().st_size > 10_000
    assert "chart: reports/bench/stack-quick.png" in run.stdout and "| stack | tuned |" in run.stdout


def test_the_lab_is_back_as_deployed(bench):
    _, report, (hosts, hostvars, groups) = bench
    app = hostvars[groups["app"][0]]["private_address"]
    port = 8000 + int(stack.PROFILES_FILE["overlay"]["uwsgi_http_port_offset"])
    with pytest.raises(OSError):
        socket.create_connection((app, port), timeout=3).close()
    assert "http-socket" not in hosts[groups["app"][0]].check_output("cat /etc/uwsgi/apps/demo.ini")
    assert "pgbench" not in hosts[groups["database"][0]].check_output("runuser -u postgres -- psql -AtXc "
                                                                      "'SELECT datname FROM pg_database'")
