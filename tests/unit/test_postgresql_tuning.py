"""The postgresql role's pgtune filter, against pgtune's own worked examples and tests."""
import pytest
from postgresql_tuning import (postgresql_cluster_port, postgresql_config_problems, postgresql_memory,
                               postgresql_memory_kb, postgresql_pgtune)

GB = 1024


def test_pgtunes_worked_example_web_16gb_4_cpus_ssd():
    settings = postgresql_pgtune(16 * GB, 4, "web", "ssd")
    assert settings["max_connections"] == 200
    assert settings["shared_buffers"] == "4GB"
    assert settings["effective_cache_size"] == "12GB"
    assert settings["maintenance_work_mem"] == "1GB"
    assert settings["wal_buffers"] == "16MB"
    assert settings["work_mem"] == "20560kB"  # (16GB - 4GB) / ((200 + 4) * 3) ~ 20MB
    assert settings["min_wal_size"] == "1GB" and settings["max_wal_size"] == "4GB"
    assert settings["checkpoint_completion_target"] == 0.9
    assert settings["default_statistics_target"] == 100
    assert settings["random_page_cost"] == 1.1 and settings["effective_io_concurrency"] == 200
    assert settings["huge_pages"] == "try" and settings["jit"] == "off"
    assert (settings["max_worker_processes"], settings["max_parallel_workers_per_gather"],
            settings["max_parallel_workers"], settings["max_parallel_maintenance_workers"]) == (4, 2, 4, 2)


@pytest.mark.parametrize("profile,connections", [
    ("web", 200), ("oltp", 300), ("dw", 40), ("desktop", 20), ("mixed", 100)])
def test_max_connections_per_profile(profile, connections):
    assert postgresql_pgtune(4 * GB, 2, profile)["max_connections"] == connections


def test_explicit_max_connections_wins():
    assert postgresql_pgtune(4 * GB, 2, "web", max_connections=50)["max_connections"] == 50


@pytest.mark.parametrize("disk,cost,io", [("hdd", 4, 2), ("ssd", 1.1, 200), ("san", 1.1, 300),
                                          ("nvme", 1.1, 1000)])
def test_disk_type_sets_page_cost_and_io_concurrency(disk, cost, io):
    settings = postgresql_pgtune(4 * GB, 2, "web", disk)
    assert settings["random_page_cost"] == cost and settings["effective_io_concurrency"] == io


def test_no_parallel_settings_below_4_cpus():
    assert "max_worker_processes" not in postgresql_pgtune(4 * GB, 2)


def test_parallel_settings_12_cpus_and_31_cpus_dw():
    twelve = postgresql_pgtune(16 * GB, 12, "web")
    assert (twelve["max_worker_processes"], twelve["max_parallel_workers_per_gather"],
            twelve["max_parallel_workers"], twelve["max_parallel_maintenance_workers"]) == (12, 4, 12, 4)
    dw = postgresql_pgtune(16 * GB, 31, "dw")
    assert (dw["max_parallel_workers_per_gather"], dw["max_parallel_maintenance_workers"]) == (16, 4)


def test_maintenance_work_mem_caps_at_8gb_and_16gb_gives_1gb():
    assert postgresql_pgtune(256 * GB, 8)["maintenance_work_mem"] == "8GB"
    assert postgresql_pgtune(16 * GB, 8)["maintenance_work_mem"] == "1GB"


def test_huge_pages_off_below_2gb_of_shared_buffers():
    assert postgresql_pgtune(4 * GB, 2)["huge_pages"] == "off"
    assert postgresql_pgtune(16 * GB, 2)["huge_pages"] == "try"


def test_work_mem_floors_at_4mb_with_extreme_connections():
    assert postgresql_pgtune(4 * GB, 4, "web", max_connections=9999)["work_mem"] == "4MB"


def test_desktop_profile_uses_a_sixteenth_minimal_wal_and_leaves_jit():
    settings = postgresql_pgtune(16 * GB, 2, "desktop")
    assert settings["shared_buffers"] == "1GB" and settings["effective_cache_size"] == "4GB"
    assert settings["wal_level"] == "minimal" and settings["max_wal_senders"] == 0
    assert "jit" not in settings


def test_dw_statistics_and_halved_work_mem():
    dw, web = postgresql_pgtune(16 * GB, 4, "dw"), postgresql_pgtune(16 * GB, 4, "web", max_connections=40)
    assert dw["default_statistics_target"] == 500 and dw["maintenance_work_mem"] == "2GB"
    assert postgresql_memory_kb(dw["work_mem"]) == postgresql_memory_kb(web["work_mem"]) // 2


def test_small_shared_buffers_give_3_percent_wal_buffers_with_a_32kb_floor():
    assert postgresql_pgtune(1 * GB, 1)["wal_buffers"] == "7864kB"  # 3% of 256MB
    assert postgresql_pgtune(1, 1)["wal_buffers"] == "32kB"


def test_unknown_profile_or_disk_is_an_error():
    with pytest.raises(ValueError, match="unknown profile 'blog'"):
        postgresql_pgtune(4 * GB, 2, "blog")
    with pytest.raises(ValueError, match="unknown disk type 'tape'"):
        postgresql_pgtune(4 * GB, 2, "web", "tape")


@pytest.mark.parametrize("text,kb", [("4GB", 4194304), ("512MB", 524288), ("64kB", 64), ("1TB", 1024 ** 3)])
def test_memory_values_parse_in_postgresqls_units(text, kb):
    assert postgresql_memory_kb(text) == kb
    assert postgresql_memory(kb) == text


@pytest.mark.parametrize("text", ["4gb", "lots", "4 G", "1.5GB", ""])
def test_memory_values_that_do_not_parse_are_errors(text):
    with pytest.raises(ValueError):
        postgresql_memory_kb(text)


def test_shared_buffers_not_below_ram_is_rejected_naming_the_variable():
    settings = {**postgresql_pgtune(4 * GB, 2), "shared_buffers": "4GB"}
    [problem] = postgresql_config_problems(settings, 4 * GB, {"shared_buffers": "4GB"})
    assert "shared_buffers (4GB)" in problem and "postgresql_settings.shared_buffers" in problem


def test_an_unparsable_override_is_rejected_naming_its_source():
    settings = {**postgresql_pgtune(4 * GB, 2), "work_mem": "64mb"}
    [problem] = postgresql_config_problems(settings, 4 * GB, {"work_mem": "64mb"})
    assert problem.startswith("work_mem from postgresql_settings: '64mb'")


def test_the_computed_settings_have_no_problems():
    assert postgresql_config_problems(postgresql_pgtune(24 * GB, 2), 24 * GB, {}) == []


def test_a_client_host_without_an_address_is_named():
    settings = postgresql_pgtune(4 * GB, 2)
    [problem] = postgresql_config_problems(settings, 4 * GB, {}, {"app1": "10.0.0.21", "app2": None})
    assert problem.startswith("postgresql_client_group: host app2 has no private_address")


ACCESS_GROUPS = {"all": ["db1", "app1"], "app": ["app1"], "database": ["db1"], "empty": []}


@pytest.mark.parametrize("access,words", [
    ({"client_group": "nope"}, "postgresql_client_group = 'nope': no host in the inventory has that group"),
    ({"client_group": ""}, "postgresql_client_group = '': no host"),
    ({"client_group": "empty"}, "postgresql_client_group = 'empty': no host"),
    ({"client_group": "app", "client_networks": ["0.0.0.0/0"]}, "postgresql_client_networks has 0.0.0.0/0: that is every address"),
    ({"client_group": "app", "client_networks": ["10.0.0.300/8"]}, "postgresql_client_networks has '10.0.0.300/8': not an address"),
])
def test_who_pg_hba_lets_in_is_checked_by_name(access, words):
    problems = postgresql_config_problems({}, 4096, {}, {}, dict(access, groups=ACCESS_GROUPS))
    assert len(problems) == 1 and words in problems[0], problems


def test_the_app_group_and_a_private_network_pass():
    access = {"client_group": "app", "client_networks": ["10.0.0.0/24"], "groups": ACCESS_GROUPS}
    assert postgresql_config_problems({}, 4096, {}, {}, access) == []


def test_work_mem_times_max_connections_above_ram_is_refused():
    [problem] = postgresql_config_problems({"work_mem": "64MB", "max_connections": 100}, 4096, {"work_mem": "64MB"})
    assert "work_mem (64MB) x max_connections (100) = 6400 MB, above this host's RAM (4096 MB)" in problem
    assert postgresql_config_problems({"work_mem": "16MB", "max_connections": 100}, 4096, {}) == []


def test_the_clusters_port_is_read_from_pg_lsclusters():
    lines = ["15  main    5433 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log",
             "17  main    5432 online postgres /var/lib/postgresql/17/main /var/log/postgresql/postgresql-17-main.log",
             "17  reports 5434 down   postgres /var/lib/postgresql/17/reports /var/log/postgresql/x.log"]
    assert postgresql_cluster_port(lines, 17, "main") == "5432"
    assert postgresql_cluster_port(lines, "17", "reports") == "5434"
    assert postgresql_cluster_port(lines, "16", "main") == ""
    assert postgresql_cluster_port([], "17", "main") == ""


def test_the_stock_profile_tunes_nothing_but_keeps_an_explicit_max_connections():
    assert postgresql_pgtune(16 * GB, 4, "stock") == {}
    assert postgresql_pgtune(16 * GB, 4, "stock", "ssd", 150) == {"max_connections": 150}
