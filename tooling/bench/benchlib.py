"""What every lab benchmark shares: apply a variant through a role, drive wrk, report medians.

Benchmarks are not tests: they print figures and write JSON to reports/bench/, and never
fail on a timing. Variants alternate round by round so drift on a shared machine hits all
of them alike; only ratios from one run are compared.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = PROJECT / ".venv" / "bin"


def arguments(doc: str, suites, seconds: int, connections: int, argv: list[str]):
    """The command line every wrk benchmark takes: a suite and how long and hard to run it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("suite", choices=sorted(suites))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=seconds)
    parser.add_argument("--connections", type=int, default=connections)
    return parser.parse_args(argv)


def ansible(*args: str) -> str:
    """Run an Ansible command from the venv against the lab and return its output; stop with
    the output on failure."""
    result = subprocess.run([str(VENV_BIN / args[0]), *args[1:]], cwd=PROJECT, capture_output=True,
                            text=True, env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1"})
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return result.stdout


def apply(playbook: str, variables: dict, *extra: str) -> None:
    """Deploy one variant: the playbook with the variant's variables as extra vars."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as extra_vars:
        json.dump(variables, extra_vars)
        extra_vars.flush()
        ansible("ansible-playbook", "-i", "inventories/local", playbook, "-e", f"@{extra_vars.name}",
                *extra)


def wrk(url: str, seconds: int, connections: int) -> dict:
    """One wrk run: good answers per second (error answers excluded), p99, timeouts, errors."""
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(errors.group(1)) if errors else 0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    timeouts = re.search(r"Socket errors: .*timeout (\d+)", out)
    return {"rps": rps * (total - errors) / total if total else 0.0,
            "p99": re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1),
            "timeouts": int(timeouts.group(1)) if timeouts else 0, "errors": errors}


def run_rounds(variants: list, urls: list[str], apply_variant, rounds: int, seconds: int,
               connections: int) -> dict:
    """Every variant against every URL, `rounds` times, variants alternating within a round."""
    results = {(label, url): [] for label, _ in variants for url in urls}
    for round_no in range(1, rounds + 1):
        for label, variables in variants:
            apply_variant(variables)
            time.sleep(1)
            for url in urls:
                wrk(url, 2, connections)  # warm-up: connections, caches, lazy imports
                result = wrk(url, seconds, connections)
                results[(label, url)].append(result)
                print(f"round {round_no}  {label:<32} {url:<40} {result['rps']:>9,.0f} good req/s  "
                      f"p99 {result['p99']}  timeouts {result['timeouts']}  errors {result['errors']}",
                      flush=True)
    return results


def report(name: str, title: str, results: dict, meta: dict) -> None:
    """Print medians and ratios (to the first variant, per URL) and write reports/bench/NAME.json."""
    print(f"\n{title}")
    print(f"{'variant':<32} {'url':<40} {'good req/s':>10} {'ratio':>7} {'timeouts':>9} {'errors':>7}")
    summary, first = [], {}
    for (label, url), runs in results.items():
        median = statistics.median(r["rps"] for r in runs)
        first.setdefault(url, median)
        summary.append({"variant": label, "url": url, "median_rps": median,
                        "ratio": median / first[url] if first[url] else None, "runs": runs})
        print(f"{label:<32} {url:<40} {median:>10,.0f} {median / first[url]:>6.2f}x "
              f"{sum(r['timeouts'] for r in runs):>9} {sum(r['errors'] for r in runs):>7}")
    out_dir = PROJECT / "reports" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps({**meta, "results": summary}, indent=2) + "\n")
