"""The whole stack after site.yml, checked across hosts by what it does. Shared by the
cluster and all-in-one scenarios; checks that need separate hosts skip on one host."""
import json
import uuid
from pathlib import Path

import pytest
import testinfra

PROJECT = Path(__file__).resolve().parents[3]
CURL = "curl -sk --max-time 10"


def groups(host):
    return host.ansible.get_variables()["groups"]


def member(host, group):
    return host.backend.get_hostname() in groups(host).get(group, [])


def other(name):
    return testinfra.get_host(f"docker://{name}")


def api(host, path, data=None):
    post = f"-X POST -H 'Content-Type: application/json' -d '{json.dumps(data)}'" if data else ""
    return json.loads(host.check_output(f"{CURL} {post} https://localhost{path}"))


@pytest.fixture
def web(host):
    if not member(host, "web"):
        pytest.skip("runs on the web host")
    return host


def test_requests_through_nginx_reach_every_app_host(web):
    served_by = {api(web, "/api/notes?limit=1")["served_by"] for _ in range(24)}
    assert served_by == set(groups(web)["app"])


def test_the_app_writes_and_reads_postgresql_through_nginx(web):
    body = f"stack test {uuid.uuid4().hex}"
    created = api(web, "/api/notes", {"author": "molecule", "body": body})["note"]
    assert created["body"] == body
    assert body in [note["body"] for note in api(web, "/api/notes?limit=100")["notes"]]
    health = api(web, "/healthz")
    assert (health["status"], health["database"]) == ("ok", "ok")


def test_the_page_renders_and_nginx_serves_static_files(web):
    assert "<h1>Notes</h1>" in web.check_output(f"{CURL} https://localhost/")
    headers = web.check_output(f"{CURL} -D - -o /dev/null https://localhost/static/style.css")
    assert " 200" in headers.splitlines()[0] and "max-age=604800" in headers.lower()


def test_uwsgi_and_nginx_log_lines_arrive_on_the_log_host(web):
    marker = f"/api/notes?marker={uuid.uuid4().hex}"
    api(web, marker)
    log_host = other(groups(web)["logs"][0])
    log_host.run("sleep 1")
    nginx = log_host.file("/var/log/remote/nginx.log").content_string
    assert marker.split("=")[1] in nginx
    uwsgi = log_host.file("/var/log/remote/uwsgi-demo.log").content_string.splitlines()
    senders = {line.split()[1] for line in uwsgi if " uwsgi-demo: " in line}
    assert len(senders) == len(groups(web)["app"])


def test_the_database_refuses_a_host_outside_the_app_group(web):
    if member(web, "app") or member(web, "database"):
        pytest.skip("on one host the web host is also an app host")
    db = groups(web)["database"][0]
    db_address = other(db).check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]
    result = web.run(f"PGPASSWORD=molecule-stack-secret psql 'host={db_address} dbname=demo "
                     f"user=demo connect_timeout=5' -AtXc 'SELECT 1'")
    assert result.rc != 0 and "no pg_hba.conf entry" in result.stderr


def test_the_locust_gate_wrote_its_report():
    reports = sorted((PROJECT / "reports" / "locust").glob("molecule-*/report.html"))
    assert reports and reports[-1].stat().st_size > 10_000
