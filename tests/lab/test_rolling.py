"""Rolling deploys on the lab's one deploy, each under 50 Locust users (the kit's own load
test, its think times): a code change rolls host by host with no failed request; a release
that imports but fails its health check stops at the first host, which goes back to its
release while the other host (prepared, like every host, before the first switch) is never
switched nor reloaded; a release that passes its health check but fails the gate is rolled
back by the same run; a rollback puts every host back, rolling.
Figures (requests, failures, worst pause) go to reports/lab/rolling.json."""
import json
import shutil

import pytest

from labtools import PROJECT, background_load, playbook

REPORT = PROJECT / "reports" / "lab" / "rolling.json"
FIGURES = {}
STATE = {}


def release(tmp_path, marker: str, healthy: bool = True, page_works: bool = True):
    """The demo app with a /release route that names it; unhealthy: /healthz answers 500;
    page_works=False: healthy, but the page answers 500 (what only the gate sees)."""
    source = tmp_path / marker
    shutil.copytree(PROJECT / "demo_app", source, ignore=shutil.ignore_patterns("__pycache__"))
    with open(source / "demo" / "wsgi.py", "a", encoding="utf-8") as wsgi:
        wsgi.write(f"\n\n@application.get('/release')\ndef release():\n    return {marker!r}\n")
        if not healthy:
            wsgi.write("\n\napplication.view_functions['healthz'] = lambda: ('broken on purpose', 500)\n")
        if not page_works:
            wsgi.write("\n\napplication.view_functions['index'] = lambda: ('page broken on purpose', 500)\n")
    return source


@pytest.fixture(scope="module")
def lab(deployed, lab_hosts):
    hosts, hostvars, groups = lab_hosts
    url = f"https://{hostvars[groups['web'][0]]['private_address']}"
    yield hosts, groups, url
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(FIGURES, indent=2) + "\n")


def current(host):
    return host.check_output("readlink /srv/demo/current").split("/")[-1]


def reloads(host):
    """How often systemd has reloaded the app (worker pids would not do: max-requests
    recycles workers under load)."""
    return int(host.check_output("journalctl -q --no-pager -u uwsgi-demo | grep -c 'Reloading' || true"))


def served_releases(web):
    """What 12 requests for /release get: "200:<release>", or the status alone."""
    out = web.check_output("for i in $(seq 12); do code=$(curl -sk -o /tmp/release -w '%{http_code}' "
                           "https://localhost/release); echo \"$code:$(head -c 60 /tmp/release | head -1)\"; done")
    return {line if line.startswith("200:") else line.split(":")[0] for line in out.splitlines()}


def under_load(name, url, *args):
    with background_load(url) as load:
        result, seconds = playbook(*args)
    FIGURES[name] = {"requests": load["requests"], "failures": load["failures"],
                     "resent_after_keepalive_close": load["resent"], "worst_pause_ms": load["max_ms"], "p99_ms": load["p99_ms"], "seconds": round(seconds, 1),
                     "errors": load["errors_text"], "resent": load["resent_text"]}
    return result, load


def test_a_code_change_rolls_host_by_host_with_no_failed_request(lab, tmp_path_factory):
    hosts, groups, url = lab
    STATE["original"] = {h: current(hosts[h]) for h in groups["app"]}
    source = release(tmp_path_factory.mktemp("rolling"), "release-new")
    result, load = under_load("rolling_deploy", url, "site.yml", "--tags", "app", "-e", f"app_source_path={source}",
                              "-e", "validate_run_time=10s")
    assert result.returncode == 0, result.stdout[-4000:]
    assert load["failures"] == 0 and load["requests"] > 500, load
    STATE["new"] = {h: current(hosts[h]) for h in groups["app"]}
    assert all(STATE["new"][h] != STATE["original"][h] for h in groups["app"])
    assert served_releases(hosts[groups["web"][0]]) == {"200:release-new"}
    # back in rotation everywhere: no upstream line left `down`
    assert " down;" not in hosts[groups["web"][0]].file("/etc/nginx/nginx.conf").content_string


def test_an_unhealthy_release_stops_at_the_first_host_and_goes_back(lab, tmp_path_factory):
    hosts, groups, url = lab
    first, *others = groups["app"]
    source = release(tmp_path_factory.mktemp("rolling"), "release-bad", healthy=False)
    reloaded = {h: reloads(hosts[h]) for h in others}
    result, load = under_load("unhealthy_release", url, "site.yml", "--tags", "app", "-e", f"app_source_path={source}",
                              "-e", "app_health_timeout=10")
    said = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert f"failed on {first}" in said and "rollout stopped" in said, result.stdout[-4000:]
    assert "answered 500 for 10 s: broken on purpose" in said
    assert load["failures"] == 0, load
    assert {h: current(hosts[h]) for h in groups["app"]} == STATE["new"]
    # a failed switch leaves `previous` alone: a rollback still returns to the original
    assert {h: hosts[h].check_output("readlink /srv/demo/previous").split("/")[-1]
            for h in groups["app"]} == STATE["original"]
    for other in others:  # prepared (code copied, imported) but never switched nor reloaded
        assert reloads(hosts[other]) == reloaded[other]
    assert served_releases(hosts[groups["web"][0]]) == {"200:release-new"}
    assert " down;" not in hosts[groups["web"][0]].file("/etc/nginx/nginx.conf").content_string


def test_a_release_the_gate_refuses_is_rolled_back_by_the_deploy(lab, tmp_path_factory):
    """Healthy on every host, so it switches everywhere; the page fails, so the gate after
    the deploy fails and the same run rolls every host back, rolling, `previous` as before."""
    hosts, groups, url = lab
    source = release(tmp_path_factory.mktemp("rolling"), "release-gate", page_works=False)
    result, _ = playbook("site.yml", "--tags", "app", "-e", f"app_source_path={source}",
                         "-e", "validate_run_time=10s")
    said = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert "missed local's thresholds" in said and "Rolled back, to the release each ran before this run: " \
        + ", ".join(groups["app"]) in said, result.stdout[-4000:]
    assert {h: current(hosts[h]) for h in groups["app"]} == STATE["new"]
    assert {h: hosts[h].check_output("readlink /srv/demo/previous").split("/")[-1]
            for h in groups["app"]} == STATE["original"]
    assert served_releases(hosts[groups["web"][0]]) == {"200:release-new"}


def test_a_rollback_puts_every_host_back_rolling(lab):
    hosts, groups, url = lab
    result, load = under_load("rollback", url, "playbooks/rollback.yml")
    assert result.returncode == 0, result.stdout[-4000:]
    assert load["failures"] == 0, load
    assert {h: current(hosts[h]) for h in groups["app"]} == STATE["original"]
    assert served_releases(hosts[groups["web"][0]]) == {"404"}
