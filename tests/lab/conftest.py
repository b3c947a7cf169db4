"""The lab stage's shared state: one lab, brought up once and deployed once, that every
proof in tests/lab runs against (a new converge per proof would cost minutes each).
Taken down at the end unless it was already up (a developer's lab is left as it was)."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest
import testinfra

from labtools import PROJECT, VENV_BIN, lab, lab_containers, playbook

TIMINGS = PROJECT / "reports" / "lab" / "deploy-timings.json"
sys.path.insert(0, str(PROJECT / "tests"))
_spec = importlib.util.spec_from_file_location("lab_script", PROJECT / "lab" / "lab.py")
lab_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab_script)


@pytest.fixture(scope="session")
def running_lab():
    was_up = bool(lab_containers())
    first = lab("up")
    yield first
    if not was_up:
        lab("down", "--keep-images", "--keep-engine")
        assert lab_containers() == []


@pytest.fixture(scope="session")
def deployed(running_lab):
    """site.yml deployed to the lab with its Locust gate, then run again with nothing to do.
    The two durations go to reports/lab/deploy-timings.json. LAB_DEPLOYED=1 trusts a lab
    that is already deployed (a developer re-running one proof) and deploys nothing."""
    if os.environ.get("LAB_DEPLOYED") == "1":
        return {"first": "", "again": ""}
    first, first_seconds = playbook("site.yml")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    again, again_seconds = playbook("site.yml", "--skip-tags", "validate")
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-2000:]
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({"deploy_seconds": round(first_seconds, 1),
                                   "noop_redeploy_seconds": round(again_seconds, 1)}, indent=2) + "\n")
    return {"first": first.stdout, "again": again.stdout}


@pytest.fixture(scope="session")
def lab_hosts(running_lab, tmp_path_factory):
    """(inventory name -> a testinfra host reached over SSH the way Ansible reaches it: the
    lab's key and known_hosts, the deploy user, sudo; name -> its inventory variables;
    tier group -> its hosts)."""
    hosts = lab_script.lab_hosts()
    hosts.pop("_settings")
    listing = json.loads(subprocess.run(
        [str(VENV_BIN / "ansible-inventory"), "-i", "inventories/local", "--list"], cwd=PROJECT,
        capture_output=True, text=True, check=True).stdout)
    groups = {g: sorted(listing.get(g, {}).get("hosts", [])) for g in ("web", "app", "database", "logs", "backup")}
    config = tmp_path_factory.mktemp("ssh") / "config"
    config.write_text("".join(
        f"Host {name}\n  HostName 127.0.0.1\n  Port {hvars['ansible_port']}\n  User deploy\n"
        f"  IdentityFile {PROJECT / '.lab' / 'ssh' / 'id_ed25519'}\n"
        f"  UserKnownHostsFile {PROJECT / '.lab' / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
        for name, hvars in hosts.items()))
    return ({name: testinfra.get_host(f"ssh://{name}", ssh_config=str(config), sudo=True)
             for name in hosts}, hosts, groups)
