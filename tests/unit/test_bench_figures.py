"""make bench's arithmetic (tooling/bench/figures.py): the locustfile's mix, medians and
spread, and the targets judged from one run's ratios."""
import sys

import pytest

from test_role_conventions import PROJECT

sys.path.insert(0, str(PROJECT / "tooling" / "bench"))
import figures  # noqa: E402
import stack  # noqa: E402


def test_the_mix_follows_weights_and_think_times_and_sums_to_100():
    mix = figures.locust_mix({"Browser": (6, 1.25), "ApiReader": (3, 1.25), "ApiWriter": (1, 2.0)})
    # Browser: 6 x 3 requests / 1.25 s = 14.4/s (page 4.8, static 9.6); reader 2.4/s; writer 0.5/s
    assert mix == {"page": 28, "static": 55, "read": 14, "write": 3}
    assert sum(mix.values()) == 100


def test_a_class_without_weight_sends_nothing_and_an_empty_mix_is_refused():
    assert "write" not in figures.locust_mix({"Browser": (6, 1.25), "ApiReader": (3, 1.25), "ApiWriter": (0, 2)})
    with pytest.raises(ValueError):
        figures.locust_mix({"ApiWriter": (0, 2.0)})


def test_the_bench_reads_the_mix_from_the_locustfile_itself():
    assert stack.locustfile_mix() == {"page": 28, "static": 55, "read": 14, "write": 3}


def test_spread_is_the_range_over_the_median():
    assert figures.spread([90, 100, 120]) == {"median": 100, "min": 90, "max": 120, "spread": 0.3}


def test_only_the_tiers_whose_variables_changed_are_applied_again():
    assert stack.tiers_changed(None, {}) == ["nginx", "postgresql", "uwsgi"]
    stock = {"nginx_worker_connections": 768, "uwsgi_processes": 1, "postgresql_profile": "stock"}
    assert stack.tiers_changed(stock, {**stock, "uwsgi_processes": 2}) == ["uwsgi"]
    assert stack.tiers_changed(stock, {}) == ["nginx", "postgresql", "uwsgi"]  # back to the defaults
    assert stack.tiers_changed(stock, dict(stock)) == []


def cell(rps):
    return {"rps": figures.spread([rps])}


def test_targets_are_judged_from_ratios_and_a_missing_figure_is_not_a_pass():
    summary = {"stack": {"stock": cell(100), "peer": cell(150), "tuned": cell(200), "tuned+cache": cell(400)},
               "app": {"stock": cell(100), "tuned": cell(140)}, "stack-app": {"tuned": cell(130)},
               "static": {"stock": cell(100), "tuned": cell(160)}}
    verdicts = {v["target"]: v for v in figures.judge(summary, {"load_share": 0.8, "p95_ms": 120.0})}
    assert verdicts["whole stack over TLS, mix: tuned+cache / stock"]["met"] is True
    assert verdicts["app tier alone, demo app: tuned / stock"]["met"] is False  # 1.4 < 1.5
    assert verdicts["nginx static file: tuned / stock"]["value"] == pytest.approx(1.6)
    assert verdicts["stack over TLS (app's share of the mix, no cache) / app tier alone, tuned"]["met"] is True
    assert verdicts["pgbench read-write: tuned / stock"]["value"] is None
    assert verdicts["p95 of the tuned stack at 80% of its capacity, ms"]["met"] is False
    table = figures.markdown({"stack": summary["stack"]}, list(verdicts.values()), ["stock", "tuned"])
    assert "| stack | stock | 100 |" in table and "**no**" in table and "n/a" in table


def role_variables():
    import yaml
    names = set()
    for spec in PROJECT.glob("roles/*/meta/argument_specs.yml"):
        for entry in yaml.safe_load(spec.read_text())["argument_specs"].values():
            names |= set(entry.get("options", {}))
    return names


def test_every_profile_and_sweep_sets_only_variables_a_role_declares():
    known = role_variables()
    sets = [stack.PROFILES_FILE["overlay"], *stack.PROFILES_FILE["profiles"].values(),
            *(v for sweep in stack.PROFILES_FILE["sweeps"].values() for v in sweep["variants"].values())]
    unknown = sorted({name for variables in sets for name in variables} - known)
    assert unknown == [], f"not a role variable (typo?): {unknown}"


def test_every_sweep_measures_layers_the_bench_has():
    layers = {layer for layers in stack.LAYERS.values() for layer in layers}
    for name, sweep in stack.PROFILES_FILE["sweeps"].items():
        assert set(sweep["layers"]) <= layers, name
