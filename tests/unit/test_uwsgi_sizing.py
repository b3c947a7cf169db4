"""The uwsgi role's filters: app defaults, syslog priority and input checks."""
import pytest
import yaml
from uwsgi_sizing import uwsgi_apps_with_defaults, uwsgi_config_problems, uwsgi_syslog_priority

from test_role_conventions import PROJECT

DEFAULTS = yaml.safe_load((PROJECT / "roles/uwsgi/defaults/main.yml").read_text())
ROLE_VARS = {**DEFAULTS, "uwsgi_processes": 4, "uwsgi_socket_address": "10.0.0.5"}


@pytest.mark.parametrize("facility,expected", [("local0", 134), ("user", 14), ("daemon", 30)])
def test_syslog_priority_is_facility_times_eight_plus_info(facility, expected):
    assert uwsgi_syslog_priority(facility) == expected


def apps(*entries):
    return uwsgi_apps_with_defaults(list(entries), ROLE_VARS)


APP = {"name": "shop", "module": "shop.wsgi:application", "chdir": "/srv/shop"}


def problems(*entries, somaxconn=4096, **role_overrides):
    return uwsgi_config_problems(apps(*entries), {**ROLE_VARS, **role_overrides}, somaxconn)


def test_an_app_gets_the_role_wide_values_and_derived_ones():
    [app] = apps(APP)
    assert app["processes"] == 4 and app["threads"] == DEFAULTS["uwsgi_threads"]
    assert app["socket_address"] == "10.0.0.5" and app["port"] == 8000
    assert app["stats_port"] == 8000 + DEFAULTS["uwsgi_stats_port_offset"] == 9191
    assert app["group"] == app["user"] == DEFAULTS["uwsgi_user"]
    assert app["syslog_tag"] == "uwsgi-shop"


def test_an_apps_own_values_win_and_extra_options_merge():
    role = {**ROLE_VARS, "uwsgi_extra_options": {"thunder-lock": True, "cache2": "name=a"}}
    [app] = uwsgi_apps_with_defaults(
        [{**APP, "port": 8100, "threads": 8, "extra_options": {"cache2": "name=b"}}], role)
    assert app["threads"] == 8 and app["stats_port"] == 8100 + 1191
    assert app["extra_options"] == {"thunder-lock": True, "cache2": "name=b"}


def test_a_sound_configuration_has_no_problems():
    assert problems(APP, {**APP, "name": "api", "port": 8001, "socket_address": "127.0.0.1"}) == []


@pytest.mark.parametrize("address", ["0.0.0.0", "8.8.8.8", "::", "app.example.com"])
def test_wildcard_public_or_non_ip_socket_addresses_are_rejected(address):
    [problem] = problems({**APP, "socket_address": address})
    assert "socket_address" in problem and address in problem and "private_address" in problem


def test_a_public_address_is_accepted_when_explicitly_allowed():
    assert problems({**APP, "socket_address": "0.0.0.0"}, uwsgi_allow_public_socket=True) == []


def test_ports_must_not_collide_across_apps_including_stats_ports():
    found = problems(APP, {**APP, "name": "api", "port": 9191})
    assert len(found) == 1 and "port 9191 is already taken by shop (stats_port)" in found[0]


def test_duplicate_and_malformed_names_are_rejected():
    found = problems(APP, {**APP, "port": 8001}, {**APP, "name": "Bad Name", "port": 8002})
    assert any("'shop' is used twice" in p for p in found)
    assert any("'Bad Name'" in p and "lower-case" in p for p in found)


def test_exactly_one_of_module_and_wsgi_file():
    assert "exactly one of 'module'" in problems({**APP, "wsgi_file": "/srv/shop/wsgi.py"})[0]
    assert "exactly one of 'module'" in problems({"name": "x", "chdir": "/srv/x"})[0]


def test_listen_above_somaxconn_names_both_variables():
    [problem] = problems(APP, somaxconn=512)
    assert "listen backlog 1024" in problem and "uwsgi_listen" in problem and "common_sysctl_extra" in problem


def test_lifetime_must_exceed_the_minimum_lifetime():
    [problem] = problems({**APP, "max_worker_lifetime": 30})
    assert "max_worker_lifetime (30)" in problem and "min_worker_lifetime (60)" in problem


def test_extra_options_cannot_override_what_the_role_sets():
    [problem] = problems({**APP, "extra_options": {"processes": 8, "thunder-lock": True}})
    assert "'processes' is set by the role" in problem and "use processes instead" in problem


def test_cheaper_bounds_are_checked_against_processes():
    [problem] = problems(APP, uwsgi_cheaper_enabled=True, uwsgi_cheaper_min_workers=4)
    assert "uwsgi_cheaper_min_workers (4)" in problem and "processes (4)" in problem
    [problem] = problems(APP, uwsgi_cheaper_enabled=True, uwsgi_cheaper_initial_workers=9)
    assert "uwsgi_cheaper_initial_workers (9)" in problem


def test_a_plain_http_socket_beside_the_uwsgi_one_only_when_an_offset_is_given():
    assert apps(APP)[0]["http_port"] is None
    role = {**ROLE_VARS, "uwsgi_http_port_offset": 80}
    [app] = uwsgi_apps_with_defaults([APP], role)
    assert app["http_port"] == 8080
    [http_app] = uwsgi_apps_with_defaults([{**APP, "protocol": "http"}], role)
    assert http_app["http_port"] is None  # it already speaks HTTP on its own port


def test_an_http_port_that_collides_with_another_apps_port_is_refused():
    role = {**ROLE_VARS, "uwsgi_http_port_offset": 80}
    found = uwsgi_config_problems(uwsgi_apps_with_defaults(
        [APP, {**APP, "name": "blog", "port": 8080, "stats_port": 9300}], role), role, 4096)
    assert any("http_port 8080 is already taken" in p or "port 8080 is already taken" in p for p in found), found
