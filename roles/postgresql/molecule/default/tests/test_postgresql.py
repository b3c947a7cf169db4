"""The postgresql role, verified on the running servers: tuned values, access, logging."""
import sys
from pathlib import Path

import pytest
import testinfra
import yaml

ROLE = Path(__file__).parents[3]
sys.path.insert(0, str(ROLE / "filter_plugins"))
from postgresql_tuning import postgresql_memory_kb, postgresql_pgtune  # noqa: E402

SCENARIO = yaml.safe_load((Path(__file__).parents[1] / "molecule.yml").read_text())
USER = SCENARIO["provisioner"]["inventory"]["group_vars"]["all"]["postgresql_users"][0]
DATABASE = "appdb"
CLIENT = "wsgikit-pg-client"
UNIT_KB = {"8kB": 8, "kB": 1, "MB": 1024}


@pytest.fixture
def db(host):
    if host.backend.get_hostname() == CLIENT:
        pytest.skip("database hosts only")
    return host


def psql(host, sql, database="postgres"):
    return host.check_output(f"runuser -u postgres -- psql -d {database} -AtXc \"{sql}\"")


def private_address(host):
    return host.check_output("ip -4 -o route get 1.1.1.1").split(" src ")[1].split()[0]


def expected_settings(host):
    memory_mb = int(host.check_output("awk '/MemTotal/ {print $2}' /proc/meminfo")) // 1024
    version = psql(host, "SHOW server_version_num")[:2]
    return postgresql_pgtune(memory_mb, int(host.check_output("nproc")), version=int(version))


def test_running_settings_equal_what_the_filter_computes(db):
    expected = expected_settings(db)
    rows = psql(db, "SELECT name, setting, coalesce(unit, '') FROM pg_settings").splitlines()
    running = {name: (setting, unit) for name, setting, unit in (r.split("|") for r in rows)}
    for name, value in expected.items():
        setting, unit = running[name]
        if unit in UNIT_KB:
            assert int(setting) * UNIT_KB[unit] == postgresql_memory_kb(value), name
        elif isinstance(value, (int, float)):
            assert float(setting) == float(value), name
        else:
            assert setting == value, name
    # 25% of RAM: the headline rule, read back from SHOW.
    assert postgresql_memory_kb(psql(db, "SHOW shared_buffers")) == postgresql_memory_kb(
        expected["shared_buffers"])


def test_listens_on_the_private_address_and_localhost_only(db):
    listening = {line.split()[3] for line in db.check_output("ss -Htln").splitlines()}
    assert f"{private_address(db)}:5432" in listening and "127.0.0.1:5432" in listening
    assert "0.0.0.0:5432" not in listening and "*:5432" not in listening


def test_the_app_user_connects_from_an_app_host_with_scram(db):
    client = testinfra.get_host(f"docker://{CLIENT}")
    answer = client.check_output(
        f"PGPASSWORD='{USER['password']}' psql 'host={private_address(db)} dbname={DATABASE} "
        f"user={USER['name']}' -AtXc 'SELECT current_user'")
    assert answer == USER["name"]
    stored = psql(db, f"SELECT rolpassword FROM pg_authid WHERE rolname = '{USER['name']}'")
    assert stored.startswith("SCRAM-SHA-256$")


def test_a_host_outside_the_app_group_is_refused(db):
    # The database host's own private address is not in the app group.
    result = db.run(
        f"PGPASSWORD='{USER['password']}' psql 'host={private_address(db)} dbname={DATABASE} "
        f"user={USER['name']}' -AtXc 'SELECT 1'")
    assert result.rc != 0
    assert "no pg_hba.conf entry" in result.stderr


def test_a_wrong_password_is_refused_from_the_app_host(db):
    client = testinfra.get_host(f"docker://{CLIENT}")
    result = client.run(f"PGPASSWORD=wrong psql 'host={private_address(db)} dbname={DATABASE} "
                        f"user={USER['name']}' -AtXc 'SELECT 1'")
    assert result.rc != 0 and "password authentication failed" in result.stderr


def test_pg_stat_statements_records_queries(db):
    psql(db, "SELECT 42 AS wsgikit_probe", DATABASE)
    count = psql(db, "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%wsgikit_probe%'",
                 DATABASE)
    assert int(count) >= 1


def test_slow_statements_are_logged(db):
    version = psql(db, "SHOW server_version_num")[:2]
    psql(db, "SELECT pg_sleep(0.3), 'wsgikit_slow_probe'")
    log = db.file(f"/var/log/postgresql/postgresql-{version}-main.log").content_string
    assert [line for line in log.splitlines() if "duration:" in line and "wsgikit_slow_probe" in line]
