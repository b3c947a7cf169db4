"""The local lab: hosts come up, answer Ansible over SSH, a second `up` changes nothing,
and `down` removes what `up` made. Needs a Docker engine and the host images (the
lab-images stage before this one)."""
import json
import subprocess

from labtools import PROJECT, VENV_BIN, lab, lab_containers

HOSTS = ["app1", "app2", "db1", "log1", "web1"]


def test_up_starts_every_inventory_host(running_lab):
    assert lab_containers() == [f"wsgikit-lab-{h}" for h in HOSTS]
    assert "5 hosts up" in running_lab


def test_second_up_changes_nothing(running_lab):
    assert lab("up").strip().endswith("changed=0")


def test_ansible_reaches_every_host_over_ssh(running_lab):
    out = subprocess.run(
        [str(VENV_BIN / "ansible"), "all", "-i", "inventories/local", "-m", "ansible.builtin.setup",
         "-a", "filter=ansible_env"], cwd=PROJECT, capture_output=True, text=True, timeout=300,
        env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1",
             "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    # ansible.cfg's task-timing callback prints lines before and after the JSON document.
    document, _ = json.JSONDecoder().raw_decode(out.stdout[out.stdout.index("\n{") + 1:])
    plays = document["plays"][0]["tasks"][0]["hosts"]
    assert sorted(plays) == HOSTS
    for host, result in plays.items():
        env = result["ansible_facts"]["ansible_env"]
        # Logged in as the deploy user through sshd on the host's port 22, like a server.
        assert env["USER"] == "deploy", host
        assert env["SSH_CONNECTION"].split()[3] == "22", host
