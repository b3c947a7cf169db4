"""Certificates over ACME, on the lab's one deploy: the web host's site got its certificate from
the lab's ACME server, pebble (Let's Encrypt's test server, run by lab/lab.py), over HTTP-01
served by nginx on port 80; certbot's timer is on; and a renewal run by the timer's own unit
(forced: the certificate is made due) reloads nginx under 50 Locust users with no failed
request, the deploy hook having seen nginx serve the new certificate. Figures go to
reports/lab/acme.json.
Seen failing: with the hook's reload removed, nginx kept serving the old certificate and the
hook logged "nginx reloaded but does not serve the renewed certificate of web1" as an error
(certbot itself only warns that a hook failed, so the journal and the log host carry it)."""
import json
import ssl
import urllib.request

import pytest

from labtools import PROJECT, background_load

REPORT = PROJECT / "reports" / "lab" / "acme.json"
RENEWAL = "/etc/letsencrypt/renewal/app.conf"
FINGERPRINT = "openssl x509 -noout -fingerprint -sha256"


@pytest.fixture(scope="module")
def web(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    name = groups["web"][0]
    settings = next(iter(hostvars.values()))
    return hosts[name], hostvars[name]["private_address"], settings["lab_acme_address"]


def served(web, what="-fingerprint -sha256"):
    host, _, _ = web
    return host.check_output("echo | openssl s_client -connect localhost:443 -servername web1 2>/dev/null"
                             f" | openssl x509 -noout {what}")


def pebble_root(acme_address):
    """Pebble's root CA, from its management API (a new one each time pebble starts)."""
    context = ssl.create_default_context(cafile=str(PROJECT / ".lab" / "acme" / "ca.pem"))
    with urllib.request.urlopen(f"https://{acme_address}:15000/roots/0", context=context, timeout=10) as answer:
        return answer.read().decode()


def test_the_site_serves_a_certificate_from_the_acme_server(web):
    host, _, acme_address = web
    root = pebble_root(acme_address)
    host.run("sudo tee /tmp/pebble-root.pem >/dev/null <<'EOF'\n" + root + "EOF")
    chain = host.check_output("echo | openssl s_client -connect localhost:443 -servername web1 -showcerts"
                              " 2>/dev/null | sed -n '/BEGIN/,/END/p' > /tmp/served.pem && cat /tmp/served.pem")
    assert chain.count("BEGIN CERTIFICATE") == 2, chain  # the leaf and pebble's intermediate
    verify = host.run("openssl verify -CAfile /tmp/pebble-root.pem -untrusted /tmp/served.pem /tmp/served.pem")
    assert verify.rc == 0 and verify.stdout.strip().endswith("OK"), verify.stdout + verify.stderr
    assert served(web, "-ext subjectAltName").split("\n", 1)[1].strip() == "DNS:web1, DNS:localhost"
    lifetime = host.check_output("for d in -startdate -enddate; do date -d \"$(openssl x509 -noout $d"
                                 " -in /tmp/served.pem | cut -d= -f2)\" +%s; done | paste -sd' '")
    start, end = map(int, lifetime.split())
    assert (end - start) / 86400 < 366  # Mozilla's intermediate profile refuses longer
    assert served(web) == host.check_output(f"sudo {FINGERPRINT} -in /etc/letsencrypt/live/app/cert.pem")
    assert host.check_output("systemctl is-enabled certbot.timer; systemctl is-active certbot.timer") == \
        "enabled\nactive"


def test_port_80_serves_the_challenges_and_sends_everything_else_to_https(web):
    host, address, _ = web
    token = "wsgikit-probe-token"
    host.check_output(f"sudo mkdir -p /var/lib/wsgikit/acme/.well-known/acme-challenge && echo proof"
                      f" | sudo tee /var/lib/wsgikit/acme/.well-known/acme-challenge/{token}")
    try:
        assert host.check_output(f"curl -s http://{address}/.well-known/acme-challenge/{token}"
                                 " -H 'Host: web1'") == "proof"
        assert host.check_output(f"curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}' http://{address}/notes"
                                 " -H 'Host: web1'") == "308 https://web1/notes"
    finally:
        host.run(f"sudo rm -f /var/lib/wsgikit/acme/.well-known/acme-challenge/{token}")


def test_a_renewal_by_the_timer_reloads_nginx_with_no_failed_request(web):
    host, address, _ = web
    before = served(web)
    master = host.check_output("cat /run/nginx.pid")
    since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
    # Due now: renew when fewer than 90 days are left, which a 90-day certificate always has.
    host.check_output(f"sudo sed -i 's/^# renew_before_expiry = .*/renew_before_expiry = 90 days/' {RENEWAL}")
    try:
        with background_load(f"https://{address}") as load:
            renewal = host.run("sudo systemctl start certbot.service")
    finally:
        host.check_output(f"sudo sed -i 's/^renew_before_expiry = .*/# renew_before_expiry = 30 days/' {RENEWAL}")
    journal = host.check_output(f"sudo journalctl -t wsgikit-acme-hook --since '{since}'"
                                " --no-pager -o cat")
    after = served(web)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"renewal_under_load": {
        "requests": load["requests"], "failures": load["failures"], "resent_after_keepalive_close": load["resent"],
        "worst_pause_ms": load["max_ms"], "p99_ms": load["p99_ms"], "errors": load["errors_text"],
        "certificate_before": before, "certificate_after": after}}, indent=2) + "\n")
    assert renewal.rc == 0, renewal.stderr + journal
    assert after != before
    assert after == host.check_output(f"sudo {FINGERPRINT} -in /etc/letsencrypt/live/app/cert.pem")
    assert "nginx serves the renewed certificate of web1" in journal, journal
    assert host.check_output("cat /run/nginx.pid") == master  # a reload, not a restart
    assert load["failures"] == 0 and load["requests"] > 300, load
