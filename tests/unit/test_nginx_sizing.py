"""The nginx role's filters: site and upstream defaults, and its input checks."""
import pytest
from nginx_sizing import (nginx_access_logs, nginx_acme_due, nginx_config_problems, nginx_sites_with_defaults,
                          nginx_upstreams_with_defaults)

UPSTREAM_DEFAULTS = {"protocol": "http", "keepalive": 32, "max_fails": 3, "fail_timeout": "10s"}


def config(**overrides):
    base = {
        "nginx_worker_connections": 4096,
        "nginx_worker_rlimit_nofile": 8192,
        "nginx_sites": nginx_sites_with_defaults(
            [{"name": "app", "server_names": ["a.test"], "tls": True, "static_url": "/static/",
              "static_root": "/srv/static", "upstream": "app"}], "7d"),
        "nginx_upstreams": nginx_upstreams_with_defaults(
            [{"name": "app", "group": "app", "port": 8000}], UPSTREAM_DEFAULTS),
    }
    base.update(overrides)
    return base


GROUPS = {"app": ["app1", "app2"], "empty": []}


def test_a_sound_configuration_has_no_problems():
    assert nginx_config_problems(config(), GROUPS, 20000) == []


@pytest.mark.parametrize("name, value, words", [
    ("nginx_worker_processes", 0, "nginx_worker_processes (0) must be 'auto' or a whole number from 1 up"),
    ("nginx_worker_processes", "-2", "nginx_worker_processes (-2) must be"),
    ("nginx_worker_processes", "two", "nginx_worker_processes (two) must be"),
    ("nginx_worker_connections", -100, "nginx_worker_connections (-100) must be from 1 up"),
    ("nginx_selfsigned_days", 825, "nginx_selfsigned_days (825) must be from 1 to 365"),
    ("nginx_selfsigned_days", 0, "nginx_selfsigned_days (0) must be from 1 to 365"),
])
def test_a_value_out_of_range_is_refused_by_name(name, value, words):
    problems = nginx_config_problems(config(**{name: value}), GROUPS, 20000)
    assert any(words in problem for problem in problems), problems


def test_auto_and_positive_workers_pass():
    for value in ("auto", 1, "4"):
        assert nginx_config_problems(config(nginx_worker_processes=value), GROUPS, 20000) == []


def test_file_limit_below_twice_the_connections_is_rejected():
    problems = nginx_config_problems(config(nginx_worker_rlimit_nofile=5000), GROUPS, 20000)
    assert len(problems) == 1
    assert "nginx_worker_rlimit_nofile (5000)" in problems[0] and "8192" in problems[0]


def test_file_limit_above_the_host_ceiling_names_the_fix():
    problems = nginx_config_problems(
        config(nginx_worker_connections=16384, nginx_worker_rlimit_nofile=32768), GROUPS, 20000)
    assert problems == [
        "nginx_worker_rlimit_nofile (32768) is above the 20000 open files this host allows a "
        "process: nginx would fail to set it. Lower nginx_worker_connections to at most 10000 and "
        "nginx_worker_rlimit_nofile to at most 20000, or raise the host's hard limit."]


def test_site_problems_are_each_named():
    sites = nginx_sites_with_defaults([
        {"name": "a", "server_names": ["a"], "upstream": "nope"},
        {"name": "b", "server_names": ["b"], "tls": True, "tls_certificate": "PEM"},
        {"name": "c", "server_names": ["c"], "static_url": "static"},
        {"name": "c", "server_names": ["d"], "default_server": True},
        {"name": "e", "server_names": ["e"], "default_server": True},
    ], "7d")
    problems = " | ".join(nginx_config_problems(config(nginx_sites=sites), GROUPS, 20000))
    assert "'a': upstream 'nope' is not in nginx_upstreams (app)" in problems
    assert "'b': set both tls_certificate and tls_certificate_key" in problems
    assert "static_url 'static' must start and end with '/'" in problems
    assert "static_url is set but static_root" in problems
    assert "the name 'c' is used twice" in problems
    assert "more than one site has default_server" in problems


@pytest.mark.parametrize("upstream,message", [
    ({"name": "app", "group": "empty", "port": 1}, "inventory group 'empty' has no hosts"),
    ({"name": "app", "group": "missing", "port": 1}, "inventory group 'missing' has no hosts"),
    ({"name": "app", "port": 1}, "give exactly one of 'servers'"),
    ({"name": "app", "group": "app", "servers": ["10.0.0.1"], "port": 1}, "give exactly one of 'servers'"),
])
def test_upstream_problems_are_named(upstream, message):
    upstreams = nginx_upstreams_with_defaults([upstream], UPSTREAM_DEFAULTS)
    problems = nginx_config_problems(config(nginx_upstreams=upstreams), GROUPS, 20000)
    assert len(problems) == 1 and message in problems[0]


def test_defaults_fill_in_but_never_override():
    site = nginx_sites_with_defaults([{"name": "a", "static_expires": "1h"}], "7d")[0]
    assert site["static_expires"] == "1h" and site["tls"] is False and site["upstream"] == ""
    upstream = nginx_upstreams_with_defaults([{"name": "u", "keepalive": 0}], UPSTREAM_DEFAULTS)[0]
    assert upstream["keepalive"] == 0 and upstream["max_fails"] == 3 and upstream["servers"] == []


def test_a_site_without_server_names_is_refused():
    sites = nginx_sites_with_defaults([{"name": "a", "server_names": [], "upstream": "app"}], "7d")
    [problem] = nginx_config_problems(config(nginx_sites=sites), GROUPS, 20000)
    assert "nginx_sites entry 'a': server_names is empty" in problem


def test_a_self_signed_site_is_refused_where_not_allowed_and_its_own_certificate_passes():
    refused = nginx_config_problems(config(nginx_selfsigned_allowed=False), GROUPS, 20000)
    assert len(refused) == 1 and "which nginx_selfsigned_allowed forbids here" in refused[0]
    own = nginx_sites_with_defaults([{"name": "app", "server_names": ["a.test"], "tls": True, "upstream": "app",
                                      "tls_certificate": "PEM", "tls_certificate_key": "KEY"}], "7d")
    assert nginx_config_problems(config(nginx_selfsigned_allowed=False, nginx_sites=own), GROUPS, 20000) == []


LE = "https://acme-v02.api.letsencrypt.org/directory"


def acme_site(**keys):
    return nginx_sites_with_defaults([{"name": "app", "server_names": ["a.test", "www.a.test"], "tls": True,
                                       "acme": True, "upstream": "app", **keys}], "7d")


def test_an_acme_site_passes_in_production():
    assert nginx_config_problems(config(nginx_selfsigned_allowed=False, nginx_acme_directory=LE,
                                        nginx_sites=acme_site()), GROUPS, 20000) == []


@pytest.mark.parametrize("keys, directory, words", [
    ({"tls": False}, LE, "acme: true needs tls: true"),
    ({"tls_certificate": "PEM", "tls_certificate_key": "KEY"}, LE, "either acme: true or tls_certificate"),
    ({"server_names": ["*.a.test"]}, LE, "server name '*.a.test' cannot get an ACME certificate"),
    ({"server_names": ["192.0.2.7"]}, LE, "server name '192.0.2.7' cannot get"),
    ({"server_names": ["~^www\\d+$"]}, LE, "cannot get an ACME certificate over HTTP-01"),
    ({}, "http://acme.test/dir", "nginx_acme_directory ('http://acme.test/dir') must be"),
    ({}, "", "nginx_acme_directory ('') must be"),
])
def test_an_acme_site_that_cannot_get_a_certificate_is_refused_by_name(keys, directory, words):
    problems = nginx_config_problems(config(nginx_acme_directory=directory, nginx_sites=acme_site(**keys)),
                                     GROUPS, 20000)
    assert any(words in problem for problem in problems), problems


def info(site, *names):
    return {"item": {"item": {"name": site}}, "subject_alt_name": [f"DNS:{n}" for n in names]}


def test_an_acme_certificate_is_due_when_missing_or_for_other_names():
    sites = [{"name": "app", "server_names": ["a.test", "WWW.a.test"]},
             {"name": "blog", "server_names": ["blog.test"]},
             {"name": "shop", "server_names": ["shop.test"]}]
    infos = [info("app", "www.a.test", "a.test"), info("blog", "blog.test", "old.test")]
    assert nginx_acme_due(sites, infos) == ["blog", "shop"]
    assert nginx_acme_due(sites[:1], infos) == []


def cached(**site):
    return nginx_sites_with_defaults([{"name": "app", "server_names": ["a.test"], "upstream": "app", **site}],
                                     "7d", True)


def test_the_microcache_default_fills_in_but_a_site_can_turn_it_off():
    assert cached()[0]["microcache"] is True
    assert cached(microcache=False)[0]["microcache"] is False
    assert nginx_sites_with_defaults([{"name": "a"}], "7d")[0]["microcache"] is False


def test_a_sound_microcache_has_no_problems():
    assert nginx_config_problems(config(nginx_sites=cached(), nginx_microcache_valid="1s",
                                        nginx_microcache_zone_size="10m"), GROUPS, 20000) == []


@pytest.mark.parametrize("name, value, words", [
    ("nginx_microcache_valid", "0", "nginx time above zero"),
    ("nginx_microcache_valid", "1 sec", "nginx time above zero"),
    ("nginx_microcache_inactive", "-5m", "nginx time above zero"),
    ("nginx_microcache_lock_timeout", "", "nginx time above zero"),
    ("nginx_microcache_zone_size", "10mb", "nginx size above zero"),
    ("nginx_microcache_max_size", "0", "nginx size above zero"),
    ("nginx_microcache_bypass_cookies", ["session-id"], "not a cookie name"),
])
def test_a_bad_microcache_setting_is_refused_by_name(name, value, words):
    problems = nginx_config_problems(config(nginx_sites=cached(), **{name: value}), GROUPS, 20000)
    assert len(problems) == 1 and name in problems[0] and words in problems[0], problems


def test_microcache_settings_are_not_checked_when_no_site_uses_it():
    assert nginx_config_problems(config(nginx_microcache_valid="never"), GROUPS, 20000) == []


def test_a_microcache_without_an_upstream_is_refused():
    sites = nginx_sites_with_defaults([{"name": "files", "server_names": ["a.test"], "microcache": True}], "7d")
    problems = nginx_config_problems(config(nginx_sites=sites), GROUPS, 20000)
    assert any("'files'" in p and "needs an upstream" in p for p in problems), problems


def test_access_logs_buffered_unbuffered_and_shipped():
    target = "syslog:server=10.0.0.5:514,facility=local7,tag=nginx,severity=info"
    assert nginx_access_logs("/var/log/nginx/access.log", "64k", "5s", target) == [
        "/var/log/nginx/access.log wsgikit buffer=64k flush=5s", f"{target} wsgikit"]
    assert nginx_access_logs("/var/log/nginx/access.log", "", "5s", "") == ["/var/log/nginx/access.log wsgikit"]


def test_no_access_log_file_still_ships_to_syslog_and_only_neither_is_off():
    # `access_log off` beside a syslog access_log would cancel both (nginx's rule for its level)
    target = "syslog:server=10.0.0.5:514,tag=nginx"
    assert nginx_access_logs("off", "64k", "5s", target) == [f"{target} wsgikit"]
    assert nginx_access_logs("off", "64k", "5s", "") == ["off"]
