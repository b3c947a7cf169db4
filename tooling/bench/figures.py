"""The arithmetic of `make bench`, kept apart from the lab so it is unit-tested
(tests/unit/test_bench_figures.py): the locustfile's mix as wrk weights, medians and spread,
the targets of issue 14 judged from one run's ratios, and the Markdown table."""
from __future__ import annotations

import statistics

# What one iteration of each Locust user class sends (loadtests/locustfile.py: a Browser
# loads the page and its two static files; the API users send one request).
REQUESTS_PER_ITERATION = {"Browser": {"page": 1, "static": 2}, "ApiReader": {"read": 1}, "ApiWriter": {"write": 1}}


def locust_mix(classes: dict[str, tuple[float, float]], per_iteration: dict = REQUESTS_PER_ITERATION,
               total: int = 100) -> dict[str, int]:
    """Whole-number weights (summing to `total`) of each request kind in Locust's steady state.

    classes: user class name -> (weight, mean wait in seconds). A class runs weight/sum users
    and each sends its iteration's requests once per mean wait (the requests themselves are
    short beside the think time), so a kind's share is the sum of weight x count / wait.
    """
    rates: dict[str, float] = {}
    for name, (weight, wait) in classes.items():
        if weight <= 0:
            continue
        for kind, count in per_iteration[name].items():
            rates[kind] = rates.get(kind, 0.0) + weight * count / wait
    if not rates:
        raise ValueError("no user class has a weight above 0")
    whole = sum(rates.values())
    shares = {kind: rate * total / whole for kind, rate in rates.items()}
    weights = {kind: int(share) for kind, share in shares.items()}
    # largest remainders get the units lost to rounding down, so the weights sum to total
    for kind in sorted(shares, key=lambda k: shares[k] - weights[k], reverse=True)[:total - sum(weights.values())]:
        weights[kind] += 1
    return weights


def spread(values: list[float]) -> dict:
    """Median, lowest, highest, and (highest - lowest) / median: how far the rounds disagree."""
    median = statistics.median(values)
    return {"median": median, "min": min(values), "max": max(values),
            "spread": (max(values) - min(values)) / median if median else None}


def summarize(runs: list[dict]) -> dict:
    """One layer x profile: the median and spread of each figure over its rounds."""
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "generator_cpu")
    return {key: spread([run[key] for run in runs]) for key in keys if all(key in run for run in runs)}


def ratio(summary: dict, layer: str, top: str, bottom_layer: str, bottom: str, key: str = "rps"):
    """summary[layer][top] / summary[bottom_layer][bottom], medians, or None when either is missing."""
    try:
        low = summary[bottom_layer][bottom][key]["median"]
        return summary[layer][top][key]["median"] / low if low else None
    except KeyError:
        return None


# (what, how it is computed, at least): issue 14's targets, each from one run's ratios.
TARGETS = [
    ("whole stack over TLS, mix: tuned+cache / stock", ("stack", "tuned+cache", "stack", "stock"), 3.0),
    ("whole stack over TLS, mix: tuned / stock (no cache)", ("stack", "tuned", "stack", "stock"), None),
    ("whole stack over TLS, mix: tuned+cache / peer", ("stack", "tuned+cache", "stack", "peer"), 1.0),
    ("whole stack over TLS, mix: tuned / peer (no cache)", ("stack", "tuned", "stack", "peer"), 1.0),
    ("app tier alone, demo app: tuned / stock", ("app", "tuned", "app", "stock"), 1.5),
    ("nginx static file: tuned / stock", ("static", "tuned", "static", "stock"), 1.5),
    ("stack over TLS (app's share of the mix, no cache) / app tier alone, tuned",
     ("stack-app", "tuned", "app", "tuned"), 0.85),
    ("pgbench read-write: tuned / stock", ("pgbench-rw", "tuned", "pgbench-rw", "stock"), None),
    ("pgbench read-only: tuned / stock", ("pgbench-ro", "tuned", "pgbench-ro", "stock"), None),
]


def judge(summary: dict, paced: dict | None = None) -> list[dict]:
    """Each target with its measured value and whether it was met (None: reported, no bar)."""
    verdicts = []
    for what, (layer, top, bottom_layer, bottom), least in TARGETS:
        value = ratio(summary, layer, top, bottom_layer, bottom)
        verdicts.append({"target": what, "value": value, "at_least": least,
                         "met": None if least is None or value is None else value >= least})
    if paced:
        verdicts.append({"target": f"p95 of the tuned stack at {paced['load_share']:.0%} of its capacity, ms",
                         "value": paced["p95_ms"], "at_most": 100.0, "met": paced["p95_ms"] < 100.0})
    return verdicts


def _ms(cell: dict, key: str) -> str:
    return f"{cell[key]:.1f}" if key in cell else "-"


def markdown(summary: dict, verdicts: list[dict], profiles: list[str]) -> str:
    """The table a reader pastes: per layer and profile the median req/s (spread) and p95, then the targets."""
    lines = ["| layer | profile | req/s (median; pgbench: tps) | spread | p50 ms (pgbench: mean) | p95 ms | p99 ms "
             "| errors | generator CPU |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for layer, by_profile in summary.items():
        for profile in profiles:
            figures = by_profile.get(profile)
            if not figures:
                continue
            cell = {k: figures[k]["median"] for k in figures}
            cpu = cell.get("generator_cpu")
            lines.append(f"| {layer} | {profile} | {cell['rps']:,.0f} | {figures['rps']['spread']:.0%} | "
                         f"{cell.get('p50_ms', 0):.1f} | {_ms(cell, 'p95_ms')} | {_ms(cell, 'p99_ms')} | "
                         f"{cell.get('errors', 0):.0f} | {'' if cpu is None else f'{cpu:.0%}'} |")
    if not verdicts:
        return "\n".join(lines) + "\n"
    lines += ["", "| target | measured | bar | met |", "|---|---:|---:|---|"]
    for verdict in verdicts:
        value = verdict["value"]
        shown = "n/a" if value is None else (f"{value:.1f}" if "at_most" in verdict else f"{value:.2f}x")
        bar = (f"< {verdict['at_most']:.0f}" if "at_most" in verdict
               else ("" if verdict["at_least"] is None else f">= {verdict['at_least']:.2f}x"))
        met = {True: "yes", False: "**no**", None: "(reported)"}[verdict["met"]]
        lines.append(f"| {verdict['target']} | {shown} | {bar} | {met} |")
    return "\n".join(lines) + "\n"
