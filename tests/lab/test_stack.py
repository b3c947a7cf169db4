"""The whole stack deployed to the lab with site.yml over SSH, as a user deploys it: the
deploy passes its Locust gate, a second run changes nothing, and the stack behaves across
its five hosts (checks in tests/stack_checks.py). Later proofs that need a deployed stack
belong here too, on this same deploy, rather than in a new multi-host converge."""
import pytest
import stack_checks as check

from labtools import PROJECT, recap


@pytest.fixture(scope="module")
def stack(deployed, lab_hosts):
    return lab_hosts


def test_the_deploy_passed_its_gate_and_a_second_run_changes_nothing(deployed):
    assert "GATE " in deployed["first"]
    again = recap(deployed["again"])
    assert sorted(again) == ["app1", "app2", "db1", "log1", "web1"]
    assert {host: counts["changed"] for host, counts in again.items() if counts["changed"]} == {}


def test_requests_through_nginx_reach_every_app_host(stack):
    hosts, _, groups = stack
    check.requests_reach_every_app_host(hosts[groups["web"][0]], groups["app"])


def test_the_app_writes_and_reads_postgresql_through_nginx(stack):
    hosts, _, groups = stack
    check.app_writes_and_reads_postgresql(hosts[groups["web"][0]])


def test_the_page_renders_and_nginx_serves_static_files(stack):
    hosts, _, groups = stack
    check.page_renders_and_static_files_are_served(hosts[groups["web"][0]])


def test_uwsgi_and_nginx_log_lines_arrive_on_the_log_host(stack):
    hosts, _, groups = stack
    check.log_lines_arrive_on_the_log_host(hosts[groups["web"][0]], hosts[groups["logs"][0]],
                                           groups["app"])


def test_the_database_refuses_a_host_outside_the_app_group(stack):
    """pg_hba, behind the firewall (tests/lab/test_firewall.py): every other host's packets to
    PostgreSQL are dropped before it sees them, so the outsider here is the database host
    itself, connecting to its private address (the firewall lets a host reach itself)."""
    hosts, hostvars, groups = stack
    db = groups["database"][0]
    password = (PROJECT / ".lab" / "secrets" / "app_database_password").read_text().strip()
    check.database_refuses_a_host_outside_the_app_group(hosts[db], hostvars[db]["private_address"], password)


def test_the_app_reads_its_settings_but_cannot_change_them(stack):
    hosts, hostvars, groups = stack
    app = hosts[groups["app"][0]]
    as_app = "sudo -u wsgiapp sh -c "
    assert app.run(as_app + "'head -c1 /etc/demo/settings.json'").stdout == "{"
    assert app.run(as_app + "'chmod 600 /etc/demo/settings.json'").rc != 0
    assert app.run(as_app + "'echo {} > /etc/demo/settings.json'").rc != 0
    assert app.run(as_app + "'mv /etc/demo/settings.json /etc/demo/x'").rc != 0
    assert app.run("sudo -u nobody cat /etc/demo/settings.json").rc != 0


def test_the_locust_gate_wrote_its_report(deployed):
    check.locust_gate_wrote_its_report(PROJECT, "local")
