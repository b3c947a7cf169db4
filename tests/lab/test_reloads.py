"""Reloads are seen through, not trusted, on the lab's one deploy: an nginx configuration that
passes nginx -t but cannot be applied (a port another service holds) puts the previous files
back (one with no worker is refused before any change), nginx serves them, and the run fails with nginx's words; a
certificate whose key is not its own never goes live; a uWSGI configuration whose app cannot
start is undone on the first app host and never reaches the second; an rsyslog configuration
that passes rsyslogd -N1 but would drop the stack's lines is undone. Under 50 Locust users, a
certificate change, uWSGI workers recycled every few requests, and a PostgreSQL reload each
serve with no failed request. Figures go to reports/lab/reloads.json."""
import json

import pytest
import yaml

from labtools import PROJECT, background_load, playbook

REPORT = PROJECT / "reports" / "lab" / "reloads.json"
FIGURES = {}


@pytest.fixture(scope="module")
def lab(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    web = hosts[groups["web"][0]]
    yield web, f"https://{hostvars[groups['web'][0]]['private_address']}"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(FIGURES, indent=2) + "\n")
    # the lab's own sites (their ACME certificate), uWSGI, PostgreSQL and rsyslog settings back (each
    # reload or restart seen through on the way)
    again, _ = playbook("site.yml", "--tags", "web,app,database,logs", "--skip-tags", "validate")
    assert again.returncode == 0, again.stdout[-3000:]


def web_run(*extra):
    return playbook("site.yml", "--tags", "web", "--skip-tags", "validate", *extra)


def said(result):
    return " ".join(result.stdout.split())


def serving(web):
    """nginx answers, on the configuration the role wrote, with no leftover copy of it."""
    assert web.check_output("curl -sk -o /dev/null -w '%{http_code}' https://localhost/healthz") == "200"
    assert web.check_output("ls /etc/nginx /etc/nginx/tls | grep -c '~$' || true") == "0"
    assert web.run("nginx -t -q").rc == 0


def served_certificate(web):
    return web.check_output("echo | openssl s_client -connect localhost:443 -servername web1 2>/dev/null"
                            " | openssl x509 -noout -fingerprint -sha256")


def new_pair(web):
    out = web.check_output(
        "d=$(mktemp -d) && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30"
        " -subj /CN=web1 -addext subjectAltName=DNS:web1,DNS:localhost -keyout $d/k -out $d/c 2>/dev/null"
        " && cat $d/c $d/k && rm -r $d")
    cert, key = out.split("-----END CERTIFICATE-----")
    return cert + "-----END CERTIFICATE-----\n", key.strip() + "\n"


def sites_with(cert, key):
    sites = yaml.safe_load((PROJECT / "inventories" / "local" / "group_vars" / "web.yml").read_text())["nginx_sites"]
    sites[0] = dict(sites[0], tls_certificate=cert, tls_certificate_key=key, acme=False)
    return json.dumps({"nginx_sites": sites})


def test_a_config_nginx_cannot_apply_is_undone(lab):
    """`listen 22` passes nginx -t (a port in use is not an error there) but the master cannot
    bind it on reload and keeps its old workers, while systemctl reports success."""
    web, _ = lab
    result, _ = web_run("-e", json.dumps({"nginx_extra_http_directives": ["server { listen 22; return 444; }"]}))
    assert result.returncode != 0
    assert "the master kept its old workers" in said(result) and "bind() to 0.0.0.0:22 failed" in said(result)
    assert "The previous files are back (/etc/nginx/nginx.conf) and nginx serves them again" in said(result)
    assert "listen 22" not in web.file("/etc/nginx/nginx.conf").content_string
    serving(web)


def test_a_config_with_no_worker_is_refused_before_any_change(lab):
    """The issue's measured case: it reached the host and deployed green. The preflight now
    refuses it by name (and nginx_reload would refuse to signal 0 workers if it got there)."""
    web, _ = lab
    before = web.check_output("sudo sha256sum /etc/nginx/nginx.conf")
    result, _ = web_run("-e", "nginx_worker_processes=0")
    assert result.returncode != 0
    assert "nginx_worker_processes (0) must be 'auto' or a whole number from 1 up" in said(result)
    assert web.check_output("sudo sha256sum /etc/nginx/nginx.conf") == before
    serving(web)


def test_a_key_that_is_not_the_certificates_never_goes_live(lab):
    web, _ = lab
    before = served_certificate(web)
    (cert, _), (_, other_key) = new_pair(web), new_pair(web)
    result, _ = web_run("-e", sites_with(cert, other_key))
    assert result.returncode != 0
    assert "Site app: tls_certificate_key is not the key of tls_certificate" in said(result), said(result)[-3000:]
    assert served_certificate(web) == before
    assert other_key.strip() not in result.stdout  # the key is never printed
    serving(web)


def test_a_syslog_config_that_receives_nothing_is_undone(lab, lab_hosts):
    hosts, _, groups = lab_hosts
    log = hosts[groups["logs"][0]]
    before = log.check_output("sudo sha256sum /etc/rsyslog.d/10-wsgikit-remote.conf")
    result, _ = playbook("site.yml", "--tags", "logs", "--skip-tags", "validate",
                         "-e", json.dumps({"syslog_allowed_senders": ["192.0.2.1"]}))
    assert result.returncode != 0
    assert "rsyslog did not receive with its new configuration" in said(result)
    assert "UDP message from disallowed sender discarded" in said(result), said(result)[-3000:]
    assert log.check_output("sudo sha256sum /etc/rsyslog.d/10-wsgikit-remote.conf") == before
    assert log.check_output("ls /etc/rsyslog.d | grep -c '~$' || true") == "0"
    assert log.check_output("systemctl is-active rsyslog") == "active"


def under_load(name, url, *args):
    with background_load(url) as load:
        result, seconds = playbook("site.yml", "--skip-tags", "validate", *args)
    FIGURES[name] = {
        "requests": load["requests"], "failures": load["failures"], "resent_after_keepalive_close": load["resent"],
        "worst_pause_ms": load["max_ms"], "p99_ms": load["p99_ms"], "seconds": round(seconds, 1),
        "errors": load["errors_text"], "resent": load["resent_text"]}
    assert result.returncode == 0, result.stdout[-4000:]
    assert load["failures"] == 0 and load["requests"] > 300, load
    return result


def test_a_uwsgi_config_whose_app_cannot_start_is_undone_on_the_first_host(lab, lab_hosts):
    hosts, _, groups = lab_hosts
    first, *others = groups["app"]
    started = {h: hosts[h].check_output("systemctl show -P ExecMainStartTimestamp uwsgi-demo") for h in others}
    result, _ = playbook("site.yml", "--tags", "app", "--skip-tags", "validate", "-e", "uwsgi_apply_timeout=10",
                         "-e", json.dumps({"uwsgi_extra_options": {"env": "APP_SETTINGS=/etc/demo/absent.json"}}))
    assert result.returncode != 0
    assert "uWSGI app demo did not serve its new configuration" in said(result)
    assert "The previous files are back (/etc/uwsgi/apps/demo.ini) and it serves again" in said(result)
    assert "No such file or directory: '/etc/demo/absent.json'" in said(result), said(result)[-3000:]
    for host in groups["app"]:
        assert "absent.json" not in hosts[host].check_output("sudo cat /etc/uwsgi/apps/demo.ini")
        assert hosts[host].check_output("ls /etc/uwsgi/apps | grep -c '~$' || true") == "0"
    for host in others:  # never reached: same master, same files
        assert hosts[host].check_output("systemctl show -P ExecMainStartTimestamp uwsgi-demo") == started[host]
    assert lab[0].check_output("curl -sk -o /dev/null -w '%{http_code}' https://localhost/") == "200"


def test_recycled_uwsgi_workers_and_a_postgresql_reload_fail_no_request(lab, lab_hosts):
    """One load run, two operations: uWSGI with max-requests 25 (and a minimum lifetime of 1 s
    instead of 60), so every worker is replaced many times, gracefully; then a PostgreSQL reload."""
    hosts, _, groups = lab_hosts
    _, url = lab
    since = hosts[groups["app"][0]].check_output("date '+%Y-%m-%d %H:%M:%S'")
    with background_load(url) as load:
        recycling, seconds = playbook("site.yml", "--skip-tags", "validate", "--tags", "app",
                                      "-e", "uwsgi_max_requests=25", "-e", "uwsgi_min_worker_lifetime=1")
        reload, more = playbook("site.yml", "--skip-tags", "validate", "--tags", "database",
                                "-e", "postgresql_log_min_duration_statement=400ms")
    recycled = sum(int(hosts[h].check_output(
        f"sudo journalctl -u uwsgi-demo --since '{since}' --no-pager -o cat | grep -c 'is done. Seeya' || true"))
        for h in groups["app"])
    FIGURES["uwsgi_worker_recycling_and_postgresql_reload"] = {
        "requests": load["requests"], "failures": load["failures"], "resent_after_keepalive_close": load["resent"],
        "worst_pause_ms": load["max_ms"], "p99_ms": load["p99_ms"], "seconds": round(seconds + more, 1),
        "workers_recycled": recycled, "errors": load["errors_text"], "resent": load["resent_text"]}
    assert recycling.returncode == 0, recycling.stdout[-4000:]
    assert reload.returncode == 0, reload.stdout[-4000:]
    assert load["failures"] == 0 and load["requests"] > 300, load
    assert recycled >= 10, recycled
    db = hosts[groups["database"][0]]
    assert db.check_output("sudo -u postgres psql -Atc 'SHOW log_min_duration_statement'") == "400ms"


def test_a_certificate_change_reloads_under_load_with_no_failed_request(lab):
    web, url = lab
    cert, key = new_pair(web)
    result = under_load("certificate_change", url, "--tags", "web", "-e", sites_with(cert, key))
    fingerprint = web.check_output(f"echo '{cert}' | openssl x509 -noout -fingerprint -sha256")
    assert served_certificate(web) == fingerprint
    assert key.strip() not in result.stdout
    serving(web)
