"""The whole stack on one host after site.yml (tests/stack_checks.py holds the checks; the
five-host proofs run against the lab, tests/lab/test_stack.py)."""
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(PROJECT / "tests"))
import stack_checks as check  # noqa: E402


def test_requests_through_nginx_reach_the_app(host):
    check.requests_reach_every_app_host(host, [host.backend.get_hostname()])


def test_the_app_writes_and_reads_postgresql_through_nginx(host):
    check.app_writes_and_reads_postgresql(host)


def test_the_page_renders_and_nginx_serves_static_files(host):
    check.page_renders_and_static_files_are_served(host)


def test_uwsgi_and_nginx_log_lines_arrive_on_the_log_host(host):
    check.log_lines_arrive_on_the_log_host(host, host, [host.backend.get_hostname()])


def test_the_locust_gate_wrote_its_report():
    check.locust_gate_wrote_its_report(PROJECT, "molecule")
