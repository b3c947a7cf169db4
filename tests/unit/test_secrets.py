"""Secrets that must not be deployed are refused on the controller, before any host is
touched (roles/secrets, first in site.yml): the filters, then the staging and production
examples as shipped, encrypted but still placeholders, and encrypted for real."""
import shutil
import subprocess
from pathlib import Path

import pytest
from secrets_check import kit_variables, misspelled_variables, secrets_plaintext_files, secrets_unusable

PROJECT = Path(__file__).resolve().parents[2]
PATTERN = "(?i)change-?me|replace-?me|placeholder|example|^secret$|^password$"


def test_placeholders_short_and_empty_values_are_named_never_quoted():
    problems = secrets_unusable({"vault_a": "replace-me-then-encrypt-this-file", "vault_b": "short",
                                 "vault_c": None, "vault_d": "x" * 32, "not_a_secret": "changeme"}, PATTERN, 16)
    assert problems == ["vault_a is a placeholder (it matches secrets_placeholder_pattern): set the real secret",
                        "vault_b has 5 characters: at least 16 (secrets_min_length)",
                        "vault_c has 0 characters: at least 16 (secrets_min_length)"]
    assert not any("short" in p.split(" has ")[1] for p in problems if " has " in p)


def test_a_plaintext_file_is_named_with_the_command_that_fixes_it():
    [line] = secrets_plaintext_files([{"path": "/inv/group_vars/prod/vault.yml"}], "/inv")
    assert line.startswith("group_vars/prod/vault.yml sets vault_* variables in plaintext")
    assert "ansible-vault encrypt /inv/group_vars/prod/vault.yml" in line


def preflight(inventory, *extra, playbook="site.yml"):
    """site.yml to show it refuses first; playbooks/preflight.yml alone for what passes (the
    example's hosts do not exist, and the next plays would try to reach them)."""
    result = subprocess.run(
        [str(PROJECT / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory), playbook, *extra],
        cwd=PROJECT, capture_output=True, text=True, timeout=120)
    return result.returncode, " ".join((result.stdout + result.stderr).split())


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_the_examples_as_shipped_are_refused_before_any_host(environment):
    rc, said = preflight(PROJECT / "inventories" / environment)
    vault = f"inventories/{environment}/group_vars/{environment}/vault.yml"
    assert rc != 0
    assert f"group_vars/{environment}/vault.yml sets vault_* variables in plaintext" in said
    assert f"ansible-vault encrypt {PROJECT / vault}" in said
    assert "vault_app_database_password is a placeholder" in said
    assert "UNREACHABLE" not in said and "PLAY [Firewall" not in said


def encrypted_copy(tmp_path, values):
    inventory = tmp_path / "production"
    shutil.copytree(PROJECT / "inventories" / "production", inventory)
    vault = inventory / "group_vars" / "production" / "vault.yml"
    vault.write_text("".join(f"{k}: {v}\n" for k, v in values.items()))
    password = tmp_path / "vault-pass"
    password.write_text("test-vault-password\n")
    subprocess.run([str(PROJECT / ".venv" / "bin" / "ansible-vault"), "encrypt", "--vault-password-file",
                    str(password), str(vault)], check=True, capture_output=True)
    assert vault.read_text().startswith("$ANSIBLE_VAULT;")
    return inventory, password


def test_encrypted_placeholders_are_still_refused(tmp_path):
    inventory, password = encrypted_copy(tmp_path, {"vault_app_database_password": "changeme",
                                                    "vault_backup_cipher_pass": "y" * 40})
    rc, said = preflight(inventory, "--vault-password-file", str(password))
    assert rc != 0 and "vault_app_database_password is a placeholder" in said
    assert "variables in plaintext:" not in said and "y" * 40 not in said


def test_encrypted_real_secrets_pass(tmp_path):
    inventory, password = encrypted_copy(tmp_path, {"vault_app_database_password": "a" * 24,
                                                    "vault_backup_cipher_pass": "b" * 40})
    rc, said = preflight(inventory, "--vault-password-file", str(password), playbook="playbooks/preflight.yml")
    assert rc == 0, said[-2000:]


def test_a_misspelled_variable_is_named_with_the_closest_real_one():
    kit = kit_variables(str(PROJECT / "roles"))
    names = ["uwsgi_harikiri", "nginx_worker_proceses", "postgresql_shared_buffer", "uwsgi_harakiri",
             "lab_subnet", "validate_user"]
    assert misspelled_variables(names, kit["known"], kit["prefixes"]) == [
        "nginx_worker_proceses is not a variable of any role: did you mean nginx_worker_processes?",
        "postgresql_shared_buffer is not a variable of any role: PostgreSQL's own settings go in "
        "postgresql_settings (e.g. postgresql_settings: {shared_buffers: 2GB})",
        "uwsgi_harikiri is not a variable of any role: did you mean uwsgi_harakiri?",
        "validate_user is not a variable of any role: did you mean validate_users?"]


@pytest.mark.parametrize("environment", ["local", "staging", "production"])
def test_the_shipped_inventories_use_no_unknown_variable(environment):
    rc, said = preflight(PROJECT / "inventories" / environment, "-e", "uwsgi_harikiri=30",
                         playbook="playbooks/preflight.yml")
    assert "did you mean uwsgi_harakiri?" in said
    assert said.count("is not a variable of any role") == 1, said[-2000:]
