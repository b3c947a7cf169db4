"""The whole stack after site.yml, checked by what it does, across hosts. One home for these
checks: the lab stage (tests/lab/test_stack.py, five hosts over SSH, as deployed by a user)
and the all-in-one Molecule scenario (molecule/all-in-one, every tier on one host) call them
with their own hosts. Each takes testinfra hosts and plain values."""
import json
import shlex
import uuid
from pathlib import Path

CURL = "curl -sk --max-time 10"


def api(web, path, data=None):
    post = f"-X POST -H 'Content-Type: application/json' -d {shlex.quote(json.dumps(data))}" if data else ""
    return json.loads(web.check_output(f"{CURL} {post} https://localhost{path}"))


def requests_reach_every_app_host(web, app_hosts):
    # One shell loop on the web host: 24 requests, one line of JSON each.
    out = web.check_output(f"for i in $(seq 24); do {CURL} 'https://localhost/api/notes?limit=1'; echo; done")
    served_by = {json.loads(line)["served_by"] for line in out.splitlines() if line.strip()}
    assert served_by == set(app_hosts)


def app_writes_and_reads_postgresql(web):
    body = f"stack test {uuid.uuid4().hex}"
    created = api(web, "/api/notes", {"author": "stack-test", "body": body})["note"]
    assert created["body"] == body
    assert body in [note["body"] for note in api(web, "/api/notes?limit=100")["notes"]]
    health = api(web, "/healthz")
    assert (health["status"], health["database"]) == ("ok", "ok")


def page_renders_and_static_files_are_served(web):
    assert "<h1>Notes</h1>" in web.check_output(f"{CURL} https://localhost/")
    headers = web.check_output(f"{CURL} -D - -o /dev/null https://localhost/static/style.css")
    assert " 200" in headers.splitlines()[0] and "max-age=604800" in headers.lower()


def log_lines_arrive_on_the_log_host(web, log_host, app_hosts):
    marker = uuid.uuid4().hex
    api(web, f"/api/notes?marker={marker}")
    log_host.run("sleep 1")
    assert marker in log_host.file("/var/log/remote/nginx.log").content_string
    uwsgi = log_host.file("/var/log/remote/uwsgi-demo.log").content_string.splitlines()
    senders = {line.split()[1] for line in uwsgi if " uwsgi-demo: " in line}
    assert len(senders) == len(app_hosts)


def database_refuses_a_host_outside_the_app_group(outsider, db_address, password):
    result = outsider.run(f"PGPASSWORD={shlex.quote(password)} psql 'host={db_address} dbname=demo "
                          f"user=demo connect_timeout=5' -AtXc 'SELECT 1'")
    assert result.rc != 0 and "no pg_hba.conf entry" in result.stderr


def locust_gate_wrote_its_report(project: Path, environment: str):
    reports = sorted((project / "reports" / "locust").glob(f"{environment}-*/report.html"))
    assert reports and reports[-1].stat().st_size > 10_000
