"""The nginx role, verified by behaviour: what the running nginx does, not what a file says."""
import math
import re
from pathlib import Path

import pytest
import yaml

DEFAULTS = yaml.safe_load((Path(__file__).parents[3] / "defaults" / "main.yml").read_text())
SITE = "app.test"
CURL = f"curl -sk --resolve {SITE}:443:127.0.0.1 --resolve {SITE}:80:127.0.0.1"


def effective_config(host):
    return host.check_output("nginx -T 2>/dev/null")


def worker_pids(host):
    # ps by command name, not pgrep -f, which would also match the shell running it.
    processes = host.check_output("ps -C nginx -o pid=,args=").splitlines()
    return [line.split()[0] for line in processes if "worker process" in line]


def headers(host, url, extra=""):
    out = host.check_output(f"{CURL} {extra} -D - -o /dev/null {url}")
    status = out.splitlines()[0]
    fields = {}
    for line in out.splitlines()[1:]:
        name, _, value = line.partition(":")
        if value:
            fields[name.strip().lower()] = value.strip()
    return status, fields


def expected_workers(host):
    return max(1, math.ceil(int(host.check_output("nproc")) * DEFAULTS["nginx_worker_processes_per_cpu"]))


def test_effective_config_has_the_tuned_values(host):
    config = effective_config(host)
    connections = DEFAULTS["nginx_worker_connections"]
    for line in [f"worker_processes {expected_workers(host)};",
                 f"worker_connections {connections};",
                 f"worker_rlimit_nofile {2 * connections};",
                 f"open_file_cache max={DEFAULTS['nginx_open_file_cache_max']} "
                 f"inactive={DEFAULTS['nginx_open_file_cache_inactive']};",
                 f"open_file_cache_min_uses {DEFAULTS['nginx_open_file_cache_min_uses']};",
                 f"keepalive_requests {DEFAULTS['nginx_keepalive_requests']};",
                 "ssl_protocols TLSv1.2 TLSv1.3;",
                 "ssl_session_cache shared:MozSSL:10m;",
                 "server_tokens off;"]:
        assert line in config


def test_worker_count_matches_the_cpus_times_the_factor(host):
    assert len(worker_pids(host)) == expected_workers(host)


def test_worker_open_files_limit_matches_the_variables(host):
    wanted = 2 * DEFAULTS["nginx_worker_connections"]
    for pid in worker_pids(host):
        limits = host.file(f"/proc/{pid}/limits").content_string
        line = next(ln for ln in limits.splitlines() if ln.startswith("Max open files"))
        assert line.split()[3:5] == [str(wanted), str(wanted)]
    # The service's limit agrees (the master's, which workers inherit as their ceiling).
    assert host.check_output("systemctl show nginx --property=LimitNOFILE --value") == str(wanted)


@pytest.mark.parametrize("version", ["tls1_2", "tls1_3"])
def test_modern_tls_versions_are_accepted(host, version):
    out = host.run(f"openssl s_client -connect 127.0.0.1:443 -servername {SITE} -{version} </dev/null")
    assert out.rc == 0, out.stderr
    expected = {"tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}[version]
    assert re.search(rf"(Protocol\s*:\s*|New, ){expected}", out.stdout)


@pytest.mark.parametrize("version", ["tls1", "tls1_1"])
def test_old_tls_versions_are_refused_by_the_server(host, version):
    # SECLEVEL=0 lets the client offer the old version; the server's "protocol version" alert
    # then proves it was the server that refused, not the client that never asked.
    out = host.run(f"openssl s_client -connect 127.0.0.1:443 -servername {SITE} -{version} "
                   f"-cipher 'DEFAULT:@SECLEVEL=0' </dev/null")
    assert out.rc != 0
    assert "alert protocol version" in out.stderr


def test_http_is_redirected_to_https_with_308(host):
    status, fields = headers(host, f"http://{SITE}/some/path?q=1")
    assert " 308 " in status
    assert fields["location"] == f"https://{SITE}/some/path?q=1"


def test_https_answers_with_http2_hsts_and_security_headers(host):
    version = host.check_output(f"{CURL} --http2 -o /dev/null -w '%{{http_version}}' https://{SITE}/")
    assert version == "2"
    status, fields = headers(host, f"https://{SITE}/")
    assert fields["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert fields["x-content-type-options"] == "nosniff"
    assert fields["server"] == "nginx"  # no version (server_tokens off)


def test_proxied_request_reaches_the_backend(host):
    assert host.check_output(f"{CURL} https://{SITE}/") == "from the backend"


def test_uwsgi_upstream_serves_the_second_site(host):
    # uwsgi_pass passes HTTPS on, so the app sees the scheme the client used.
    out = host.check_output("curl -sk --resolve api.test:443:127.0.0.1 https://api.test/")
    assert out == "wsgi app via https"


def test_static_file_is_served_by_nginx_with_cache_headers(host):
    marker = "/static/site.css?probe=static-check"
    status, fields = headers(host, f"https://{SITE}{marker}")
    assert " 200" in status
    assert fields["cache-control"] == "max-age=604800"
    assert "expires" in fields
    assert fields["strict-transport-security"]  # the server's headers still apply here
    assert host.check_output(f"{CURL} https://{SITE}/static/site.css") == "body { color: black; }"
    backend_log = host.check_output("journalctl -u test-backend --no-pager -o cat")
    assert "GET / " in backend_log  # the backend logs what it gets ...
    assert "static-check" not in backend_log  # ... and never got the static file


def test_unknown_host_names_are_dropped(host):
    # Plain HTTP: the connection is closed without an answer (444).
    out = host.run("curl -s -o /dev/null -H 'Host: unknown.example' http://127.0.0.1/")
    assert out.rc == 52  # "empty reply from server"
    # TLS: the handshake for an unknown name is refused.
    out = host.run("openssl s_client -connect 127.0.0.1:443 -servername unknown.example </dev/null")
    assert out.rc != 0
    assert "unrecognized name" in out.stderr


def test_text_is_compressed_for_clients_that_accept_gzip(host):
    _, fields = headers(host, f"https://{SITE}/static/big.txt", extra="-H 'Accept-Encoding: gzip'")
    assert fields.get("content-encoding") == "gzip"
    assert fields.get("vary") == "Accept-Encoding"
    _, plain = headers(host, f"https://{SITE}/static/big.txt")
    assert "content-encoding" not in plain
