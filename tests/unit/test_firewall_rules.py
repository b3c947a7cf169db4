"""The firewall role's rules: who may reach what, derived from the inventory's groups."""
import pytest
from firewall_rules import firewall_keeps_controller, firewall_rules, nft_table_comment

GROUPS = {"all": ["web1", "app1", "app2", "db1", "log1"], "web": ["web1"], "app": ["app1", "app2"],
          "database": ["db1"], "logs": ["log1"], "backup": ["log1"]}
ADDRESSES = {"web1": "10.0.0.11", "app1": "10.0.0.21", "app2": "10.0.0.22", "db1": "10.0.0.31",
             "log1": "10.0.0.41"}
PORTS = {"ssh": 22, "web": [80, 443], "app": [8000], "database": 5432, "syslog": 514}
ADMINS = ["203.0.113.7"]


def rules(host, groups=GROUPS, admins=ADMINS, ports=PORTS, extra=()):
    return {r["comment"]: r for r in firewall_rules(host, groups, ADDRESSES, admins, ports, extra)}


def test_every_host_opens_ssh_to_the_admin_networks_only():
    for host in GROUPS["all"]:
        ssh = rules(host)["ssh from the admin networks"]
        assert (ssh["proto"], ssh["ports"], ssh["ipv4"], ssh["from_any"]) == ("tcp", [22], ["203.0.113.7/32"], False)


def test_web_is_open_to_everyone_and_nothing_else_is():
    assert rules("web1")["web"]["from_any"] and rules("web1")["web"]["ports"] == [80, 443]
    for host in ("app1", "db1", "log1"):
        assert not any(r["from_any"] for r in rules(host).values())


def test_uwsgi_only_from_the_web_hosts():
    assert rules("app1")["uWSGI from the web hosts"]["ipv4"] == ["10.0.0.11/32"]
    assert "uWSGI from the web hosts" not in rules("db1")


def test_postgresql_only_from_the_app_hosts():
    pg = rules("db1")["PostgreSQL from the app hosts"]
    assert (pg["ports"], pg["ipv4"]) == ([5432], ["10.0.0.21/32", "10.0.0.22/32"])


def test_the_database_and_backup_hosts_reach_each_other_over_ssh_for_pgbackrest():
    assert rules("db1")["ssh from the backup hosts (pgBackRest)"]["ipv4"] == ["10.0.0.41/32"]
    assert rules("log1")["ssh from the database hosts (WAL archiving)"]["ipv4"] == ["10.0.0.31/32"]
    assert "ssh from the backup hosts (pgBackRest)" not in rules("db1", {**GROUPS, "backup": []})


def test_syslog_over_udp_from_every_inventory_host():
    syslog = rules("log1")["syslog from the inventory's hosts"]
    assert (syslog["proto"], syslog["ports"]) == ("udp", [514])
    assert syslog["ipv4"] == sorted(f"{a}/32" for a in ADDRESSES.values())


def test_one_host_in_every_tier_gets_every_tier_s_rules():
    groups = {g: ["aio"] for g in ("all", "web", "app", "database", "logs")}
    addresses = {"aio": "10.0.0.5"}
    got = {r["comment"] for r in firewall_rules("aio", groups, addresses, ADMINS, PORTS)}
    assert got == {"ssh from the admin networks", "web", "uWSGI from the web hosts",
                   "PostgreSQL from the app hosts", "syslog from the inventory's hosts"}


def test_ipv6_sources_are_kept_apart_for_nft():
    ssh = rules("web1", admins=["2001:db8::/48", "198.51.100.0/24"])["ssh from the admin networks"]
    assert (ssh["ipv4"], ssh["ipv6"]) == (["198.51.100.0/24"], ["2001:db8::/48"])


def test_extra_rules_are_added_with_their_sources():
    extra = [{"port": 9100, "from": ["10.0.0.99"], "comment": "node exporter"},
             {"port": [60000, 60001], "proto": "udp", "from": "any"}]
    got = rules("app1", extra=extra)
    assert got["node exporter"]["ipv4"] == ["10.0.0.99/32"]
    assert got["firewall_extra_rules[1]"]["from_any"] and got["firewall_extra_rules[1]"]["proto"] == "udp"


@pytest.mark.parametrize("admins,needle", [
    ([], "firewall_admin_networks is empty"),
    ("10.0.0.0/8", "must be a list"),
    (["0.0.0.0/0"], "every address"),
    (["10.0.0.300"], "'10.0.0.300': not an address"),
])
def test_bad_admin_networks_are_refused_by_name(admins, needle):
    with pytest.raises(ValueError, match="firewall_admin_networks") as error:
        rules("web1", admins=admins)
    assert needle in str(error.value)


@pytest.mark.parametrize("ports,needle", [
    ({**PORTS, "ssh": 0}, "firewall_ssh_port = 0"),
    ({**PORTS, "web": [80, 70000]}, "firewall_web_ports = 70000"),
    ({**PORTS, "app": ["80a"]}, "firewall_app_ports = '80a'"),
])
def test_ports_must_be_ports(ports, needle):
    with pytest.raises(ValueError, match="1..65535") as error:
        rules("web1", ports=ports) if "app" not in needle else rules("app1", ports=ports)
    assert needle in str(error.value)


@pytest.mark.parametrize("extra,needle", [
    ([{"port": 9100}], "has no 'from'"),
    ([{"port": 9100, "from": "any", "proto": "icmp"}], "proto = 'icmp'"),
    ([{"from": "any"}], "must be a mapping with port"),
    ([{"port": 9100, "from": ["nope"]}], "firewall_extra_rules[0].from has 'nope'"),
])
def test_bad_extra_rules_are_refused_by_name(extra, needle):
    with pytest.raises(ValueError) as error:
        rules("web1", extra=extra)
    assert needle in str(error.value)


def test_a_host_without_an_address_is_named():
    with pytest.raises(ValueError, match="no private_address for app2"):
        firewall_rules("db1", GROUPS, {**ADDRESSES, "app2": None}, ADMINS, PORTS)


def test_the_controller_running_the_change_must_stay_in():
    assert firewall_keeps_controller(["172.29.213.0/24"], "172.29.213.1 40000 22", 22, 60)
    assert firewall_keeps_controller(["203.0.113.7/32"], "", 22, 60)  # not over SSH: nothing to keep
    with pytest.raises(ValueError, match=r"does not hold 172.29.213.1, .* Add it \(e.g. 172.29.213.1/32\)"):
        firewall_keeps_controller(["203.0.113.7/32"], "172.29.213.1 40000 22", 22, 60)
    with pytest.raises(ValueError, match="firewall_ssh_port = 2222, but this run reached sshd on port 22"):
        firewall_keeps_controller(["172.29.213.1"], "172.29.213.1 40000 22", 2222, 60)


@pytest.mark.parametrize("seconds", [0, 14, 601, "soon", -30])
def test_the_confirm_window_is_bounded(seconds):
    with pytest.raises(ValueError, match=r"firewall_confirm_seconds = .*: must be 15..600"):
        firewall_keeps_controller(["10.0.0.0/8"], "", 22, seconds)


def test_the_table_comment_is_read_from_nft_s_listing():
    listing = 'table inet wsgikit {\n\tcomment "abc123"\n\tchain input {\n\t\tcomment "not this"\n'
    assert nft_table_comment(listing) == "abc123"
    assert nft_table_comment('table inet wsgikit {\n\tchain input {\n\t\tcomment "x"\n') == ""
    assert nft_table_comment("") == ""
