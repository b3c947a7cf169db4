"""The firewall per tier on the lab's one deploy (roles/firewall), seen from the hosts
themselves: what a tier needs gets through, the rest is dropped. Then the two ways the role
keeps the controller in: rules that would shut it out are refused before any change, and
rules that cut its next connection anyway go back by themselves."""
import json
import socket
import subprocess
import threading
import time
import uuid

from labtools import playbook

CONNECT = ("python3 -c \"import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), "
           "timeout=3)\" {} {}")


def reaches(client, address, port):
    return client.run(CONNECT.format(address, port)).rc == 0


def table(host):
    return json.loads(host.check_output("nft --json list table inet wsgikit"))["nftables"]


def ruleset_id(host):
    # the text listing: nft 1.0.6's --json leaves the table's comment out
    return host.check_output("nft list table inet wsgikit").split('comment "', 1)[1].split('"', 1)[0]


def dropped(host):
    """Packets counted by the input chain's last rule (what the policy then drops)."""
    return next(i["rule"]["expr"][0]["counter"]["packets"] for i in table(host)
                if "rule" in i and i["rule"].get("comment") == "dropped")


def test_each_tier_is_reached_only_by_the_tier_that_needs_it(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    web, app, db, log = (groups[g][0] for g in ("web", "app", "database", "logs"))
    address = {name: hostvars[name]["private_address"] for name in hosts}
    assert reaches(hosts[app], address[db], 5432)
    assert not reaches(hosts[web], address[db], 5432)
    assert reaches(hosts[web], address[app], 8000)
    assert not reaches(hosts[log], address[app], 8000)
    assert not reaches(hosts[db], address[app], 8000)
    assert not reaches(hosts[app], address[log], 22)
    # pgBackRest's two hosts reach each other's sshd
    assert reaches(hosts[log], address[db], 22) and reaches(hosts[db], address[log], 22)


def test_syslog_from_outside_the_inventory_is_dropped(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    log, app = groups["logs"][0], groups["app"][0]
    address = hostvars[log]["private_address"]
    before = dropped(hosts[log])
    outsider = uuid.uuid4().hex
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:  # the controller: not a lab host
        for _ in range(5):
            udp.sendto(f"<134>probe: {outsider}".encode(), (address, 514))
    insider = uuid.uuid4().hex
    hosts[app].run(f"logger --udp --server {address} --port 514 -t probe {insider}")
    time.sleep(1)
    landed = hosts[log].run("cat /var/log/remote/probe.log").stdout
    assert insider in landed and outsider not in landed
    assert dropped(hosts[log]) >= before + 5


def test_rules_that_would_shut_the_controller_out_are_refused_before_any_change(deployed, lab_hosts):
    hosts, _, groups = lab_hosts
    web = hosts[groups["web"][0]]
    rules = web.file("/etc/wsgikit/firewall.nft").content_string
    before = ruleset_id(web)
    result, _ = playbook("site.yml", "--tags", "firewall", "--skip-tags", "validate", "--limit", groups["web"][0],
                         "-e", '{"firewall_admin_networks": ["203.0.113.7/32"]}')
    said = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert "firewall_admin_networks = ['203.0.113.7/32'] does not hold 172.29.213.1" in said, said[-2000:]
    assert ruleset_id(web) == before and web.file("/etc/wsgikit/firewall.nft").content_string == rules


def test_rules_that_cut_the_controller_off_go_back_by_themselves(deployed, lab_hosts):
    """A change the checks cannot foresee (here: another table, added behind Ansible's back with
    docker exec while the new rules load, drops new SSH connections) must not lock the host."""
    hosts, _, groups = lab_hosts
    name = groups["web"][0]
    web, container = hosts[name], f"wsgikit-lab-{name}"
    rules, before = web.file("/etc/wsgikit/firewall.nft").content_string, ruleset_id(web)

    def docker_exec(command):
        return subprocess.run(["docker", "exec", container, "sh", "-c", command],
                              capture_output=True, text=True)

    def cut_then_heal():
        # once the role has saved the running rules (it is about to load the new ones), drop new
        # SSH connections; once the host has gone back to the saved rules, let them in again
        deadline = time.monotonic() + 120
        while docker_exec("test /etc/wsgikit/firewall.previous.nft -nt /tmp/fw-start").returncode:
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        docker_exec("nft add table inet cut; nft add chain inet cut input "
                    "'{ type filter hook input priority -10; }'; "
                    "nft add rule inet cut input tcp dport 22 ct state new drop")
        runs_before = "nft list table inet wsgikit | grep -q 'comment \"" + before + "\"'"
        for back in (False, True):  # the new rules load, then the old ones come back
            while (docker_exec(runs_before).returncode == 0) != back and time.monotonic() < deadline:
                time.sleep(0.5)
        # the host, cut off from the controller, went back on its own (not the run's rescue)
        went_back.append(docker_exec(runs_before).returncode == 0)
        docker_exec("nft delete table inet cut")

    went_back = []
    docker_exec("touch /tmp/fw-start; sleep 1")
    watcher = threading.Thread(target=cut_then_heal)
    watcher.start()
    try:
        extra = {"firewall_confirm_seconds": 20,
                 "firewall_extra_rules": [{"port": 9999, "from": "any", "comment": "a new opening"}]}
        result, seconds = playbook("site.yml", "--tags", "firewall", "--skip-tags", "validate",
                                   "--limit", name, "-e", json.dumps(extra))
    finally:
        watcher.join()
        docker_exec("nft delete table inet cut 2>/dev/null")
    said = " ".join(result.stdout.split())
    assert went_back == [True], "the host did not go back to its previous rules while cut off"
    assert result.returncode != 0
    assert "The new firewall rules of web1 were not kept, and the previous ones run again" in said, said[-3000:]
    assert ruleset_id(web) == before
    assert web.file("/etc/wsgikit/firewall.nft").content_string == rules
    assert "a new opening" in web.file("/etc/wsgikit/firewall.refused.nft").content_string
    assert web.run("systemctl is-active wsgikit-firewall-revert.timer").stdout.strip() != "active"
    # and the deploy's own rules stand as they were: a plain run has nothing to load
    again, _ = playbook("site.yml", "--tags", "firewall", "--skip-tags", "validate", "--limit", name)
    assert again.returncode == 0 and "Load the new rules (one transaction)" not in again.stdout, again.stdout[-2000:]
