"""The uwsgi role, verified by behaviour: the running workers, sockets, logs and recycling."""
import json
import math
import uuid
from pathlib import Path

import yaml

DEFAULTS = yaml.safe_load((Path(__file__).parents[3] / "defaults" / "main.yml").read_text())
CLIENT = "/usr/local/bin/wsgi_client.py"
LISTENER_LOG = "/var/log/udp-listener.log"


def private_address(host):
    return host.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


def stats(host, port=9191):
    return json.loads(host.check_output(f"{CLIENT} stats 127.0.0.1 {port}"))


def ask(host, protocol, port, path, seconds=""):
    return json.loads(host.check_output(
        f"{CLIENT} {protocol} {private_address(host) if port == 8000 else '127.0.0.1'} "
        f"{port} {path} {seconds}"))


def main_pid(host, app):
    return host.check_output(f"systemctl show -p MainPID --value uwsgi-{app}")


def test_configured_workers_and_threads_are_running(host):
    expected = max(1, math.ceil(int(host.check_output("nproc")) * DEFAULTS["uwsgi_processes_per_cpu"]))
    workers = stats(host)["workers"]
    assert len(workers) == expected
    assert all(len(worker["cores"]) == DEFAULTS["uwsgi_threads"] for worker in workers)
    # The process table agrees: the master's children named as the app's workers.
    children = host.check_output(f"ps -o args= --ppid {main_pid(host, 'hello')}").splitlines()
    assert len([c for c in children if "uWSGI worker" in c]) == expected


def test_the_app_answers_through_the_uwsgi_socket(host):
    answer = ask(host, "uwsgi", 8000, "/")
    assert answer["greeting"] == "hello from the role"
    assert answer["pid"] in [worker["pid"] for worker in stats(host)["workers"]]


def test_sockets_bind_the_private_address_and_loopback_only(host):
    listening = host.check_output("ss -Htln").splitlines()
    local_addresses = {line.split()[3] for line in listening}
    assert f"{private_address(host)}:8000" in local_addresses
    assert "127.0.0.1:9191" in local_addresses and "127.0.0.1:8010" in local_addresses
    assert not [a for a in local_addresses if a.startswith(("0.0.0.0:", "*:", "[::]:"))
                and a.rsplit(":", 1)[1] in {"8000", "8010", "9191", "9201"}]


def test_apps_run_unprivileged_as_notify_services(host):
    for app in ("hello", "recycle"):
        unit = host.check_output(f"systemctl show -p Type -p User -p ActiveState uwsgi-{app}")
        assert "Type=notify" in unit and "User=wsgiapp" in unit and "ActiveState=active" in unit
        owner = host.check_output(f"ps -o user= -p {main_pid(host, app)}").strip()
        assert owner == "wsgiapp"


def test_recycled_workers_cost_no_failed_request(host):
    before = {worker["pid"] for worker in stats(host, 9201)["workers"]}
    # Lifetimes are 5 s + 2 s per worker id for this app: 15 s of requests outlive them all.
    result = ask(host, "http", 8010, "/", 15)
    after = {worker["pid"] for worker in stats(host, 9201)["workers"]}
    assert result["failed"] == 0, result["errors"]
    assert result["ok"] > 100
    assert before.isdisjoint(after)
    assert len(result["pids"]) > 2


def test_logs_reach_the_udp_syslog_listener_tagged(host):
    ask(host, "http", 8010, "/tagged-request")
    host.run(f"{CLIENT} uwsgi {private_address(host)} 8000 /missing")
    host.run("sleep 1")
    lines = host.file(LISTENER_LOG).content_string.splitlines()
    priority = "<134>"  # local0.info
    assert [line for line in lines if line.startswith(priority) and " uwsgi-hello: " in line]
    assert [line for line in lines if " uwsgi-recycle-req: " in line and "/tagged-request" in line]
    # 4xx answers are logged even with request logging off (log-4xx).
    assert [line for line in lines if " uwsgi-hello: " in line and "/missing" in line]


def test_no_request_line_is_written_with_request_logging_off(host):
    marker = f"/marker-{uuid.uuid4().hex}"
    assert ask(host, "uwsgi", 8000, marker)["path"] == marker
    host.run("sleep 1")
    assert marker not in host.file(LISTENER_LOG).content_string
    assert host.run(f"grep -rqs {marker} /var/log").rc == 1
    assert marker not in host.check_output("journalctl --no-pager -u uwsgi-hello")


def test_sigterm_stops_the_app_cleanly(host):
    try:
        host.check_output("systemctl stop uwsgi-hello")
        unit = host.check_output("systemctl show -p Result -p ActiveState uwsgi-hello")
        assert "Result=success" in unit and "ActiveState=inactive" in unit
    finally:
        host.check_output("systemctl start uwsgi-hello")
    assert ask(host, "uwsgi", 8000, "/")["greeting"] == "hello from the role"
