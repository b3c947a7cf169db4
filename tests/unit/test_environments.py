"""Environments override kit-wide values, and nothing is put where it would silently lose.

Ansible's precedence: the group_vars/all next to site.yml (the kit-wide values) beats an
inventory's group_vars/all, but an inventory's group_vars/<group> beats both. So every
environment puts all its hosts in a group named after itself and overrides there.
"""
import json
import subprocess
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = sorted(p.name for p in (PROJECT / "inventories").iterdir() if p.is_dir())
KIT_WIDE = yaml.safe_load((PROJECT / "group_vars" / "all" / "kit.yml").read_text())
ANSIBLE_INVENTORY = PROJECT / ".venv" / "bin" / "ansible-inventory"


def host_vars(environment: str, host: str) -> dict:
    """A host's variables as a play of site.yml sees them (--playbook-dir loads the
    kit-wide group_vars next to site.yml, exactly as ansible-playbook does)."""
    out = subprocess.run([str(ANSIBLE_INVENTORY), "-i", f"inventories/{environment}",
                          "--playbook-dir", ".", "--host", host],
                         cwd=PROJECT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def inventory_hosts(environment: str) -> dict:
    out = subprocess.run([str(ANSIBLE_INVENTORY), "-i", f"inventories/{environment}", "--list"],
                         cwd=PROJECT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_staging_value_wins_over_the_kit_wide_value():
    assert KIT_WIDE["kit_environment"] == "unnamed"
    seen = host_vars("staging", "web1.staging.example.com")
    assert seen["kit_environment"] == "staging"
    # A role default overridden only in staging.
    assert seen["common_ntp_pools"] == ["ntp.staging.example.com"]


def test_kit_wide_value_applies_where_the_environment_is_silent():
    seen = host_vars("staging", "app1.staging.example.com")
    assert seen["private_address"] == "10.20.0.21"  # inventory host var beats the kit-wide default
    production = host_vars("production", "db1.example.com")
    assert "common_ntp_pools" not in production  # so the role default applies


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_host_is_in_the_environment_group(environment):
    listing = inventory_hosts(environment)
    everyone = set(listing["_meta"]["hostvars"])
    in_group = set()
    stack = [environment]
    while stack:
        group = listing.get(stack.pop(), {})
        in_group.update(group.get("hosts", []))
        stack.extend(group.get("children", []))
    assert everyone and everyone == in_group, (
        f"hosts outside the group '{environment}' miss its overrides: {sorted(everyone - in_group)}")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_override_sits_in_an_inventory_group_vars_all(environment):
    group_vars_all = PROJECT / "inventories" / environment / "group_vars"
    files = [*group_vars_all.glob("all.y*ml"), *group_vars_all.glob("all/*.y*ml")]
    for path in files:
        keys = set(yaml.safe_load(path.read_text()) or {})
        losing = keys & set(KIT_WIDE)
        assert not losing, (f"{path.relative_to(PROJECT)} sets {sorted(losing)}, which the kit-wide "
                            f"group_vars/all beats: move them to group_vars/{environment}/")
