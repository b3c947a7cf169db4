"""A dry run (--check --diff) on the deployed lab: it finishes, reports what would change
(a diff for settings, a note for a release not on the hosts yet), changes nothing, and
never prints a secret. Runs on the lab stage's one deploy (tests/lab/conftest.py)."""
import shutil

import pytest

from labtools import PROJECT, playbook, recap

TOKEN = "tok-wsgikit-dry-run-9f8e7d6c"
SECRET_KEY = "sk-wsgikit-dry-run-0a1b2c3d"


def dry_run(*extra: str):
    result, _ = playbook("site.yml", "--check", "--diff", "--skip-tags", "validate", *extra)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def changed(output: str) -> dict[str, int]:
    return {host: counts["changed"] for host, counts in recap(output).items() if counts["changed"]}


@pytest.fixture(scope="module")
def ini_before(deployed, lab_hosts):
    hosts, _, groups = lab_hosts
    return {h: hosts[h].file("/etc/uwsgi/apps/demo.ini").content_string for h in groups["app"]}


def test_a_dry_run_of_the_deployed_stack_changes_nothing(deployed):
    assert changed(dry_run()) == {}


def test_a_dry_run_reports_setting_changes_and_never_a_secret(deployed, lab_hosts, ini_before):
    hosts, _, groups = lab_hosts
    output = dry_run("-e", "uwsgi_harakiri=61",
                     "-e", f'{{"app_environment": {{"API_TOKEN": "{TOKEN}"}}}}',
                     "-e", f'{{"app_settings": {{"secret_key": "{SECRET_KEY}"}}}}',
                     # the repository's config holds the backup passphrase: no diff of it
                     "-e", "backup_retention_full=3")
    assert set(changed(output)) >= set(groups["app"]) | set(groups["backup"])
    assert "+harakiri = 61" in output
    secrets = PROJECT / ".lab" / "secrets"
    for secret in (TOKEN, SECRET_KEY, (secrets / "app_database_password").read_text().strip(),
                   (secrets / "backup_cipher_pass").read_text().strip()):
        assert secret not in output
    # ... and it was only a report: the hosts still run the deployed configuration.
    for host in groups["app"]:
        assert hosts[host].file("/etc/uwsgi/apps/demo.ini").content_string == ini_before[host]


def test_a_dry_run_of_new_code_says_what_a_deploy_would_do(deployed, tmp_path):
    source = tmp_path / "demo_app"
    shutil.copytree(PROJECT / "demo_app", source)
    with open(source / "demo" / "app.py", "a", encoding="utf-8") as app:
        app.write("# a change the dry run must notice\n")
    output = dry_run("-e", f"app_source_path={source}")
    assert "Dry run: release" in output and "is not on this host yet" in output


def test_a_real_deploy_at_vvv_with_diff_never_prints_a_secret(deployed, lab_hosts):
    """Not a dry run this time: every task that writes a secret runs for real, at -vvv with
    --diff (module arguments, results and diffs all printed): the app's settings (removed
    first), uWSGI's environment, pgBackRest's configuration and PostgreSQL's user."""
    hosts, _, groups = lab_hosts
    for host in groups["app"]:
        hosts[host].run("rm -f /etc/demo/settings.json")
    extra = ("-e", f'{{"app_environment": {{"API_TOKEN": "{TOKEN}"}}}}',
             "-e", f'{{"app_settings": {{"secret_key": "{SECRET_KEY}"}}}}', "-e", "backup_retention_full=3")
    try:
        result, _ = playbook("site.yml", "--tags", "database,backup,app", "--skip-tags", "validate",
                             "--diff", "-vvv", *extra)
        output = result.stdout + result.stderr
        assert result.returncode == 0, result.stdout[-3000:]
        assert set(changed(result.stdout)) >= set(groups["app"]) | set(groups["backup"])
        secrets = PROJECT / ".lab" / "secrets"
        for secret in (TOKEN, SECRET_KEY, (secrets / "app_database_password").read_text().strip(),
                       (secrets / "backup_cipher_pass").read_text().strip()):
            assert secret not in output
        assert SECRET_KEY in hosts[groups["app"][0]].run("cat /etc/demo/settings.json").stdout
    finally:
        again, _ = playbook("site.yml", "--tags", "backup,app", "--skip-tags", "validate")
        assert again.returncode == 0, again.stdout[-3000:]
