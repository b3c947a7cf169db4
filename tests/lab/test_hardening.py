"""Host hardening (roles/common) on the lab's one deploy, seen from outside: sshd offers keys
only, refuses root, and Debian's security updates are set to install themselves."""
import subprocess

from labtools import PROJECT


def methods_offered(port, user):
    """What sshd says it would accept, from the refusal a client without a usable key gets."""
    result = subprocess.run(
        ["ssh", "-p", str(port), "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
         "-o", f"UserKnownHostsFile={PROJECT / '.lab' / 'known_hosts'}", "-o", "ConnectTimeout=5",
         f"{user}@127.0.0.1", "true"], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    return result.stderr.strip().rsplit("(", 1)[-1].rstrip(").")


def test_sshd_offers_keys_only(deployed, lab_hosts):
    _, hostvars, _ = lab_hosts
    for name, hvars in hostvars.items():
        assert methods_offered(hvars["ansible_port"], "deploy") == "publickey", name


def test_root_cannot_log_in_even_with_the_deploy_key(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    web = groups["web"][0]
    hosts[web].run("install -d -m 700 /root/.ssh && cp /home/deploy/.ssh/authorized_keys /root/.ssh/")
    try:
        result = subprocess.run(
            ["ssh", "-p", str(hostvars[web]["ansible_port"]), "-i", str(PROJECT / ".lab" / "ssh" / "id_ed25519"),
             "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={PROJECT / '.lab' / 'known_hosts'}",
             "root@127.0.0.1", "true"], capture_output=True, text=True, timeout=30)
        assert result.returncode != 0 and "Permission denied" in result.stderr
    finally:
        hosts[web].run("rm -rf /root/.ssh")


def test_security_updates_install_themselves(deployed, lab_hosts):
    hosts, _, _ = lab_hosts
    for name, host in hosts.items():
        config = host.check_output("apt-config dump APT::Periodic")
        assert 'APT::Periodic::Unattended-Upgrade "1";' in config, name
        # unattended-upgrades' own reading of its configuration: the security archive is allowed
        dry = host.run("unattended-upgrade --dry-run --debug 2>&1 | grep -m1 'Allowed origins'").stdout
        assert "-security" in dry or "Debian-Security" in dry, (name, dry)
