"""The common role's settings, read back from the running host."""
from pathlib import Path

import pytest
import yaml

DEFAULTS = yaml.safe_load((Path(__file__).parents[3] / "defaults" / "main.yml").read_text())
# What molecule.yml asks of each platform.
NOFILE_ASKED = {"wsgikit-debian12": 16384, "wsgikit-debian13": 65536}


def nofile_ceiling(host):
    """Worked out here independently of the role's filter: PID 1's hard limit binds unless
    the host has CAP_SYS_RESOURCE."""
    nr_open = int(host.file("/proc/sys/fs/nr_open").content_string)
    status = host.file("/proc/1/status").content_string
    capbnd = int(next(ln for ln in status.splitlines() if ln.startswith("CapBnd:")).split()[1], 16)
    if capbnd & (1 << 24):
        return nr_open
    limits = host.file("/proc/1/limits").content_string
    hard = next(ln for ln in limits.splitlines() if ln.startswith("Max open files")).split()[4]
    return nr_open if hard == "unlimited" else min(int(hard), nr_open)


@pytest.fixture
def expected_nofile(host):
    return min(NOFILE_ASKED[host.backend.get_hostname()], nofile_ceiling(host))


@pytest.mark.parametrize("package", DEFAULTS["common_packages"] + ["chrony"])
def test_base_packages_installed(host, package):
    assert host.package(package).is_installed


@pytest.mark.parametrize("key,value", sorted(DEFAULTS["common_sysctl"].items()))
def test_kernel_setting_is_in_effect(host, key, value):
    running = host.file("/proc/sys/" + key.replace(".", "/")).content_string
    assert running.split() == str(value).split()
    # ... and persisted, so a host that boots with a writable /proc/sys gets it again.
    persisted = dict(line.split("=", 1) for line in
                     host.file("/etc/sysctl.d/60-wsgikit.conf").content_string.splitlines() if "=" in line)
    assert {k.strip(): v.split() for k, v in persisted.items()}[key] == str(value).split()


def test_services_get_the_open_files_limit(host, expected_nofile):
    manager = host.check_output("systemctl show --property=DefaultLimitNOFILE --value")
    assert int(manager) == expected_nofile
    # A fresh service really gets it, soft and hard.
    got = host.check_output("systemd-run --quiet --wait --pipe -- sh -c 'ulimit -Sn; ulimit -Hn'")
    assert [int(n) for n in got.split()] == [expected_nofile, expected_nofile]


def test_login_sessions_get_the_open_files_limit(host, expected_nofile):
    # runuser -l goes through PAM (pam_limits), like an SSH login.
    got = host.check_output("runuser -l deploy -c 'ulimit -Sn; ulimit -Hn'")
    assert [int(n) for n in got.split()] == [expected_nofile, expected_nofile]


def test_chrony_follows_the_configured_sources(host):
    assert host.service("chrony").is_enabled
    parsed = host.check_output("chronyd -p")  # the configuration chronyd itself reads
    for pool in DEFAULTS["common_ntp_pools"]:
        assert f"pool {pool} iburst" in parsed
    if host.check_output("systemd-detect-virt --container || true") not in ("", "none"):
        # systemd skips chrony without CAP_SYS_TIME: inactive, never failed.
        assert host.check_output("systemctl show chrony --property=ConditionResult --value") == "no"
        assert not host.service("chrony").is_running
    else:
        assert host.service("chrony").is_running


def test_sshd_applies_keys_only_and_no_root(host):
    effective = host.check_output("/usr/sbin/sshd -T")
    for line in ("passwordauthentication no", "kbdinteractiveauthentication no", "permitrootlogin no"):
        assert line in effective.splitlines()


def test_security_updates_are_switched_on(host):
    assert 'APT::Periodic::Unattended-Upgrade "1";' in host.check_output("apt-config dump APT::Periodic")
    assert host.package("unattended-upgrades").is_installed
