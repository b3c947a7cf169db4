"""The deploy gate as a production site meets it: the site is not nginx's default server, so
it answers only to its own name (TLS SNI and Host), and the gate runs read-only so it adds
no row to the database. Runs on the lab's one deploy via a web-tier run (--tags web runs the
gate too), then puts the lab's site back as it was."""
import json

import yaml

from labtools import PROJECT, playbook


def notes(db):
    return int(db.check_output("sudo -u postgres psql -d demo -Atc 'SELECT count(*) FROM notes'"))


def test_a_web_tier_run_gates_a_named_site_read_only(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    web, db = hosts[groups["web"][0]], hosts[groups["database"][0]]
    address = hostvars[groups["web"][0]]["private_address"]
    sites = yaml.safe_load((PROJECT / "inventories" / "local" / "group_vars" / "web.yml").read_text())["nginx_sites"]
    named_only = [dict(site, default_server=False) for site in sites]
    before = notes(db)
    try:
        result, _ = playbook("site.yml", "--tags", "web", "-e", json.dumps({"nginx_sites": named_only}),
                             "-e", "validate_read_only=true", "-e", "validate_run_time=15s")
        assert result.returncode == 0, result.stdout[-4000:]
        said = " ".join(result.stdout.split())
        assert "-> PASS" in said and f"target https://web1 at {address}, read-only" in said, said[-3000:]
        # the site really is not the default: without its name, the handshake is refused
        assert web.run(f"curl -sk -o /dev/null https://{address}/healthz").rc == 35
        assert web.check_output(f"curl -sk -o /dev/null -w '%{{http_code}}' --resolve web1:443:{address} "
                                "https://web1/healthz") == "200"
        assert notes(db) == before
    finally:
        again, _ = playbook("site.yml", "--tags", "web", "--skip-tags", "validate")
        assert again.returncode == 0, again.stdout[-4000:]
