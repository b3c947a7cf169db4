#!/usr/bin/env python3
"""make bench: what the kit buys on this hardware, stock versus peer versus tuned, on the lab.

Not a test: it prints figures and never fails on one. Each profile (tooling/bench/profiles.yml)
is a set of the kit's variables applied through the roles; profiles alternate round by round
(stock, peer, tuned+cache, tuned, then again), each measured after a warm-up, and every figure
is the median of the rounds with its spread. Layers, as shared/TUNING.md section 1 teaches:

  static     nginx alone: one static file over TLS (wrk)
  app        the app tier alone: the demo app's own requests (page, API read, API write in the
             locustfile's proportions) on each app host's plain-HTTP socket, no nginx (wrk per host)
  stack-app  the same requests through nginx over TLS: what the front end costs
  stack      the whole stack over TLS, the locustfile's realistic mix with the static files
  pgbench-*  PostgreSQL alone on db1: TPC-B-like read-write and select-only, at a scale
             larger than stock shared_buffers
then the tuned stack paced at 80% of the capacity this run measured, for its p95.

Load comes from this machine (wrk, tooling/bench/mix.lua) to the hosts' lab addresses, never a
published port; the generator's CPU use is reported beside each figure (it shares the cores).
Writes JSON, a Markdown table and a PNG chart to reports/bench/, and prints the table.

    .venv/bin/python tooling/bench/stack.py [--quick] [--rounds N] [--seconds S]
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import yaml

import figures
from benchlib import PROJECT, ansible, apply

HERE = Path(__file__).resolve().parent
OUT = PROJECT / "reports" / "bench"
PROFILE_ORDER = ["stock", "peer", "tuned+cache", "tuned"]
# Layers each profile is measured on; the cache changes nothing but nginx's answers from the
# app, and peer's PostgreSQL is stock by construction (profiles.yml), so neither repeats them.
LAYERS = {"stock": ["static", "app", "stack-app", "stack", "pgbench-rw", "pgbench-ro"],
          "peer": ["static", "app", "stack-app", "stack"],
          "tuned+cache": ["stack-app", "stack"],
          "tuned": ["static", "app", "stack-app", "stack", "pgbench-rw", "pgbench-ro"]}
TIERS = {"nginx_": "nginx", "uwsgi_": "uwsgi", "postgresql_": "postgresql"}
MODES = {"full": {"rounds": 3, "seconds": 10, "warmup": 2, "scale": 30},
         "quick": {"rounds": 1, "seconds": 3, "warmup": 1, "scale": 10}}


def load_lab_module():
    spec = importlib.util.spec_from_file_location("lab_script", PROJECT / "lab" / "lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lab_layout() -> dict:
    """Addresses the bench needs, from inventories/local (never written out twice)."""
    listing = json.loads(ansible("ansible-inventory", "-i", "inventories/local", "--list"))
    hostvars = listing["_meta"]["hostvars"]
    group = lambda name: sorted(listing.get(name, {}).get("hosts", []))  # noqa: E731
    web, apps, db = group("web")[0], group("app"), group("database")[0]
    any_host = hostvars[web]
    return {"web": hostvars[web]["private_address"], "web_name": web,
            "apps": [hostvars[a]["private_address"] for a in apps], "app_names": apps, "db": db,
            "controller": any_host["firewall_admin_networks"],
            "app_port": int(any_host.get("uwsgi_port", 8000))}


def _between(node) -> float | None:
    """The mean of a class body's `wait_time = between(low, high)`, or None."""
    for item in node.body:
        if isinstance(item, ast.Assign) and item.targets[0].id == "wait_time":
            low, high = (ast.literal_eval(a) for a in item.value.args)
            return (low + high) / 2
    return None


def locustfile_mix() -> dict[str, int]:
    """The locustfile's request proportions: each user class's weight and mean think time,
    read from the file itself (so the bench follows it when it changes)."""
    tree = ast.parse((PROJECT / "loadtests" / "locustfile.py").read_text())
    bodies = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    inherited = _between(bodies["StackUser"])
    classes = {}
    for name in figures.REQUESTS_PER_ITERATION:
        weight = next(item.value for item in bodies[name].body
                      if isinstance(item, ast.Assign) and item.targets[0].id == "weight")
        # "0 if LOCUST_READ_ONLY ... else 1": the bench writes, so it takes the else branch
        weight = ast.literal_eval(weight.orelse if isinstance(weight, ast.IfExp) else weight)
        classes[name] = (weight, _between(bodies[name]) or inherited)
    return figures.locust_mix(classes)


def playbook(variables: dict, tags: list[str]) -> float:
    """site.yml for these tiers with these variables (the gate skipped); returns seconds."""
    start = time.monotonic()
    apply("site.yml", variables, "--tags", ",".join(tags), "--skip-tags", "validate")
    return time.monotonic() - start


def as_postgres(db: str, module: str, args: str) -> str:
    """One module run as the postgres user on the database host."""
    return ansible("ansible", db, "-i", "inventories/local", "-b", "--become-user", "postgres",
                   "-m", module, "-a", args)


def tiers_changed(before: dict | None, after: dict) -> list[str]:
    """The site.yml tags whose role variables differ between two profiles (all, the first time)."""
    names = set(after) | set(before or {})
    if before is None:
        return sorted(TIERS.values())
    return sorted({tier for prefix, tier in TIERS.items() for name in names
                   if name.startswith(prefix) and before.get(name) != after.get(name)})


def wrk(url: str, weights: dict, seconds: int, connections: int, threads: int = 2,
        pace_ms: int = 0) -> dict:
    """One wrk run with mix.lua; good answers per second, latency percentiles, errors."""
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
            "-s", str(HERE / "mix.lua"), url, "--", *(f"{k}={v}" for k, v in weights.items() if v)]
    env = dict(os.environ, WRK_PACE_MS=str(pace_ms))
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed on {url} (exit {out.returncode}): {out.stderr[-1500:]}{out.stdout[-1500:]}")
    raw = json.loads(line[len("WRKJSON "):])
    errors = raw["status_errors"] + raw["connect_errors"] + raw["write_errors"] + raw["timeouts"]
    # A server that closes after every answer (close=1) makes wrk count each close as a read error.
    errors += 0 if weights.get("close") else raw["read_errors"]
    good = raw["requests"] - raw["status_errors"]
    return {"rps": good / raw["seconds"], "p50_ms": raw["p50_ms"], "p95_ms": raw["p95_ms"],
            "p99_ms": raw["p99_ms"], "errors": errors, "raw": raw}


def measured(run):
    """Run `run()` (wrk processes), adding the generator's share of this machine's CPU to its result."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    result = run()
    after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic() - start
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["generator_cpu"] = cpu / (wall * (os.cpu_count() or 1))
    return result


def app_tier(layout: dict, weights: dict, seconds: int, connections: int) -> dict:
    """Every app host at once, each on its plain-HTTP socket: requests add up, latency is the worst host's."""
    port = layout["app_port"] + int(PROFILES_FILE["overlay"]["uwsgi_http_port_offset"])
    share = max(1, connections // len(layout["apps"]))
    with ThreadPoolExecutor(len(layout["apps"])) as pool:
        # uWSGI's http-socket closes after every answer: a new connection per request, said so
        runs = list(pool.map(lambda address: wrk(f"http://{address}:{port}", {**weights, "close": 1}, seconds,
                                                 share, threads=1),
                             layout["apps"]))
    combined = {"rps": sum(r["rps"] for r in runs), "errors": sum(r["errors"] for r in runs),
                "per_host": runs}
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        combined[key] = max(r[key] for r in runs)
    return combined


def pgbench(db: str, select_only: bool, seconds: int, clients: int) -> dict:
    """pgbench on the database host itself (local socket): it shares that host's CPUs with the server."""
    out = as_postgres(db, "ansible.builtin.command",
                      f"pgbench {'-S ' if select_only else ''}-c {clients} -j 2 -T {seconds} -P {seconds} pgbench")
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", out)
    # pgbench reports a mean, not percentiles: it stands in the p50 column (the README says so)
    return {"rps": tps, "p50_ms": latency, "errors": int(failed.group(1)) if failed else 0}


def evidence(layout: dict) -> dict:
    """What each profile really runs: nginx workers, uWSGI processes, PostgreSQL's shared_buffers."""
    hosts = ",".join([layout["web_name"], layout["app_names"][0], layout["db"]])
    out = ansible("ansible", hosts, "-i", "inventories/local", "-b", "-m", "ansible.builtin.shell", "-a",
                  "echo nginx_workers=$(pgrep -cf '[n]ginx: worker' || true) "
                  "uwsgi_processes=$(pgrep -cf '[u]WSGI worker' || true) "
                  "shared_buffers=$(runuser -u postgres -- psql -AtXc 'SHOW shared_buffers' 2>/dev/null || true)")
    found = {}
    for key, value in re.findall(r"(nginx_workers|uwsgi_processes|shared_buffers)=(\S+)", out):
        if value not in ("0", ""):
            found[key] = value
    return found


def measure(layer: str, layout: dict, mix: dict, app_mix: dict, mode: dict, connections: int) -> dict:
    web = f"https://{layout['web']}"
    seconds, warmup = mode["seconds"], mode["warmup"]
    if layer.startswith("pgbench"):
        return pgbench(layout["db"], layer == "pgbench-ro", seconds, 16)
    plan = {"static": lambda s: wrk(f"{web}/static/style.css", {"static": 1}, s, connections),
            "app": lambda s: app_tier(layout, app_mix, s, connections),
            "stack-app": lambda s: wrk(web, app_mix, s, connections),
            "stack": lambda s: wrk(web, mix, s, connections)}[layer]
    plan(warmup)  # connections, TLS sessions, caches, lazy imports
    return measured(lambda: plan(seconds))


def paced(layout: dict, mix: dict, capacity: float, mode: dict, connections: int, share: float = 0.8) -> dict:
    """The tuned stack at `share` of its measured capacity: wrk paces each connection, and
    short calibration runs scale the pace until the rate is within 5% of the target."""
    web, target = f"https://{layout['web']}", capacity * share
    pace = max(1.0, connections * 1000 / target)
    for _ in range(4):
        trial = wrk(web, mix, max(2, mode["seconds"] // 2), connections, pace_ms=round(pace))
        if abs(trial["rps"] / target - 1) < 0.05 or (round(pace) <= 1 and trial["rps"] < target):
            break
        pace = max(1.0, pace * trial["rps"] / target)
    result = measured(lambda: wrk(web, mix, mode["seconds"], connections, pace_ms=round(pace)))
    result.update({"pace_ms": round(pace), "target_rps": target, "load_share": result["rps"] / capacity})
    return result


def chart(summary: dict, order: list, path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layers = [layer for layer in summary if not layer.startswith("pgbench")] + \
             [layer for layer in summary if layer.startswith("pgbench")]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / len(order)
    for index, profile in enumerate(order):
        xs = [i + index * width for i, layer in enumerate(layers) if profile in summary[layer]]
        present = [layer for layer in layers if profile in summary[layer]]
        rps = [summary[layer][profile]["rps"]["median"] for layer in present]
        low = [summary[layer][profile]["rps"]["median"] - summary[layer][profile]["rps"]["min"] for layer in present]
        high = [summary[layer][profile]["rps"]["max"] - summary[layer][profile]["rps"]["median"] for layer in present]
        axes[0].bar(xs, rps, width, yerr=[low, high], label=profile, capsize=2)
        p95 = [(summary[layer][profile].get("p95_ms") or summary[layer][profile].get("p50_ms", {})).get("median", 0)
               for layer in present]
        axes[1].bar(xs, p95, width, label=profile)
    for axis, label in ((axes[0], "requests/s (pgbench: tps), median, bars = min..max"),
                        (axes[1], "p95 latency, ms (pgbench: mean latency)")):
        axis.set_xticks([i + 0.4 - width / 2 for i in range(len(layers))], layers, rotation=20)
        axis.set_ylabel(label)
        axis.set_yscale("log")  # static files and pgbench run 10-30x the app's rate
        axis.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


PROFILES_FILE = yaml.safe_load((HERE / "profiles.yml").read_text())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round (make bench-quick, the suite's smoke run)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--sweep", choices=sorted(PROFILES_FILE["sweeps"]),
                        help="one knob over the tuned profile instead of the profiles (profiles.yml: sweeps)")
    args = parser.parse_args(argv)
    name = "quick" if args.quick else "full"
    if args.sweep:
        sweep = PROFILES_FILE["sweeps"][args.sweep]
        order, settings = list(sweep["variants"]), sweep["variants"]
        layers_of = {variant: sweep["layers"] for variant in order}
    else:
        order, settings, layers_of = PROFILE_ORDER, PROFILES_FILE["profiles"], LAYERS
    mode = dict(MODES[name])
    mode.update({k: v for k, v in (("rounds", args.rounds), ("seconds", args.seconds)) if v})

    load_lab_module().ensure_tools("wrk")
    layout = lab_layout()
    mix = locustfile_mix()
    app_mix = {k: v for k, v in mix.items() if k != "static"}  # what reaches the app
    overlay = PROFILES_FILE["overlay"]
    started = time.monotonic()
    print(f"bench ({name}): {mode['rounds']} round(s) of {mode['seconds']} s per layer, {args.connections} "
          f"connections; mix from the locustfile {mix}; web {layout['web']}, app {layout['apps']}", flush=True)

    port = layout["app_port"] + int(overlay["uwsgi_http_port_offset"])
    opening = {"firewall_extra_rules": [{"port": port, "from": layout["controller"],
                                         "comment": "make bench: the app tier alone, from the controller"}]}
    if any(layer.startswith("pgbench") for layers in layers_of.values() for layer in layers):
        as_postgres(layout["db"], "community.postgresql.postgresql_db", "name=pgbench")
        as_postgres(layout["db"], "ansible.builtin.command", f"pgbench -i -q -s {mode['scale']} pgbench")

    runs: dict[str, dict[str, list]] = {}
    applied_profiles, proof, previous, pace_run = [], {}, None, None
    try:
        for round_no in range(1, mode["rounds"] + 1):
            for profile in order:
                variables = {**overlay, **settings[profile]}
                tags = tiers_changed(previous, variables)
                if previous is None:  # the first apply also opens the firewall to the bench socket
                    variables, tags = {**variables, **opening}, ["firewall", *tags]
                previous = variables  # before applying: a run that fails half-way is undone too
                seconds = playbook(variables, tags) if tags else 0.0
                proof.setdefault(profile, evidence(layout))
                applied_profiles.append({"round": round_no, "profile": profile, "tiers": tags,
                                         "apply_seconds": round(seconds, 1)})
                for layer in layers_of[profile]:
                    result = measure(layer, layout, mix, app_mix, mode, args.connections)
                    runs.setdefault(layer, {}).setdefault(profile, []).append(result)
                    cpu = result.get("generator_cpu")
                    print(f"round {round_no}  {profile:<12} {layer:<11} {result['rps']:>9,.0f} "
                          f"{'tps' if layer.startswith('pg') else 'req/s'}  p95 {result.get('p95_ms', 0):7.1f} ms  "
                          f"errors {result['errors']}{'' if cpu is None else f'  generator CPU {cpu:.0%}'}", flush=True)
        summary = {layer: {p: figures.summarize(r) for p, r in by.items()} for layer, by in runs.items()}
        if not args.sweep:
            capacity = summary["stack"]["tuned"]["rps"]["median"]
            pace_run = paced(layout, mix, capacity, mode, args.connections)  # the last profile applied is tuned
            print(f"paced        tuned        stack       {pace_run['rps']:>9,.0f} req/s  p95 "
                  f"{pace_run['p95_ms']:7.1f} ms  ({pace_run['load_share']:.0%} of {capacity:,.0f})", flush=True)
    finally:
        # Back to the lab as deployed, whichever profile ran last: no bench socket, no opening
        # in the firewall, the inventory's own tuning, no bench database for backups to carry.
        playbook({}, ["firewall", *tiers_changed(previous or {}, {})])
        as_postgres(layout["db"], "community.postgresql.postgresql_db", "name=pgbench state=absent")

    verdicts = [] if args.sweep else figures.judge(summary, pace_run)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = OUT / (f"sweep-{args.sweep}-{name}" if args.sweep else f"stack-{name}")
    title = (f"wsgikit bench ({name}, {stamp}): {mode['rounds']} round(s) x {mode['seconds']} s, "
             f"wrk -c{args.connections}, {os.cpu_count()} cores shared by hosts and generator")
    table = figures.markdown(summary, verdicts, order)
    base.with_suffix(".json").write_text(json.dumps(
        {"mode": name, "settings": mode, "connections": args.connections, "stamp": stamp, "mix": mix,
         "app_mix": app_mix, "variants": {v: settings[v] for v in order}, "overlay": overlay, "evidence": proof,
         "applied": applied_profiles, "runs": runs, "summary": summary, "paced": pace_run,
         "targets": verdicts, "seconds": round(time.monotonic() - started, 1)}, indent=2) + "\n")
    base.with_suffix(".md").write_text(f"{title}\n\n{table}")
    chart(summary, order, base.with_suffix(".png"), title)
    print(f"\n{title}\nwhat each profile ran: {json.dumps(proof)}\n\n{table}")
    print(f"chart: {base.with_suffix('.png').relative_to(PROJECT)}  table: {base.with_suffix('.md').relative_to(PROJECT)}"
          f"  figures: {base.with_suffix('.json').relative_to(PROJECT)}  ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
