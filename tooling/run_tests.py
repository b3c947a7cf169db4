#!/usr/bin/env python3
"""The kit's whole test suite, one stage after another, with a timing for each (`make test`).

Stages: lint (yamllint, ansible-lint, syntax-check), unit tests, the lab images, the lab
(tests/lab: up, site.yml deployed once, a no-op re-run, then every proof that needs the
deployed five-host stack, all on that one deploy), then every Molecule scenario
(roles/*/molecule/* and molecule/*). The lab stage runs beside the Molecule scenarios,
not before them: it spends most of its time waiting on its hosts (playbooks over SSH, load
tests), and its hosts, network and containers are its own (lab.py labels them; Molecule's
instances carry other names). Each stage's output goes to reports/test-run/<stage>.log; a
failed stage prints its last lines, and again after the table of stages and seconds. The
run ends with a summary line "N passed, N failed".
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
LOGS = PROJECT / "reports" / "test-run"
VENV_BIN = PROJECT / ".venv" / "bin"
TAIL_LINES = 80
# A failed stage's last lines are printed again after the table: a stage in the background
# fails in the middle of the others' output, and CI may show only the end of the run.
RECAP_LINES = 25


def molecule_stages() -> list[tuple[str, list[str], Path]]:
    stages = []
    for config in sorted(PROJECT.glob("roles/*/molecule/*/molecule.yml")):
        role_dir, scenario = config.parents[2], config.parent.name
        stages.append((f"molecule-{role_dir.name}-{scenario}",
                       ["molecule", "test", "-s", scenario], role_dir))
    for config in sorted(PROJECT.glob("molecule/*/molecule.yml")):
        scenario = config.parent.name
        stages.append((f"molecule-stack-{scenario}", ["molecule", "test", "-s", scenario], PROJECT))
    return stages


def all_stages() -> list[tuple[str, list[str], Path]]:
    playbooks = ["site.yml", *sorted(str(p.relative_to(PROJECT)) for p in PROJECT.glob("playbooks/*.yml"))]
    python = str(VENV_BIN / "python")
    return [
        ("yamllint", ["yamllint", "--strict", "."], PROJECT),
        ("ansible-lint", ["ansible-lint", "--offline"], PROJECT),
        ("syntax-check", ["ansible-playbook", "-i", "inventories/local", "--syntax-check", *playbooks],
         PROJECT),
        ("unit", [python, "-m", "pytest", "-q", "tests/unit"], PROJECT),
        # The host images every later stage runs on (starts the Docker engine if needed).
        ("lab-images", [python, "lab/lab.py", "images"], PROJECT),
        # --durations: the slowest proofs at the end of the log, where the suite's time goes.
        ("lab", [python, "-m", "pytest", "-q", "--durations=25", "tests/lab"], PROJECT),
        *molecule_stages(),
    ]


def run_stage(name: str, cmd: list[str], cwd: Path, env: dict) -> tuple[bool, float]:
    log_path = LOGS / f"{name}.log"
    print(f"==> {name}: {' '.join(cmd)}  (log: {log_path.relative_to(PROJECT)})", flush=True)
    start = time.monotonic()
    with open(log_path, "wb") as log:
        result = subprocess.run(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    ok = result.returncode == 0
    print(f"    {name}: {'passed' if ok else f'FAILED (exit {result.returncode})'} in {seconds:.0f} s",
          flush=True)
    if not ok:
        lines = log_path.read_text(errors="replace").splitlines()[-TAIL_LINES:]
        print("\n".join(f"    | {line}" for line in lines), flush=True)
    return ok, seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated stage names (or prefixes, e.g. molecule-)")
    parser.add_argument("--list", action="store_true", help="list the stages and exit")
    args = parser.parse_args(argv)

    stages = all_stages()
    if args.list:
        print("\n".join(name for name, _, _ in stages))
        return 0
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        stages = [s for s in stages if any(s[0] == w or (w.endswith("-") and s[0].startswith(w))
                                           for w in wanted)]
        if not stages:
            print(f"no stage matches --only {args.only}; see --list", file=sys.stderr)
            return 2

    LOGS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0", ANSIBLE_FORCE_COLOR="0")
    outcome: dict[str, tuple[str, float]] = {}
    suite_start = time.monotonic()
    images_ok = True
    background = []

    def record(name: str, cmd: list[str], cwd: Path) -> None:
        ok, seconds = run_stage(name, cmd, cwd, env)
        outcome[name] = ("passed" if ok else "failed", seconds)

    for name, cmd, cwd in stages:
        if not images_ok and (name.startswith("molecule-") or name == "lab"):
            print(f"==> {name}: skipped (no host images)", flush=True)
            outcome[name] = ("skipped", 0.0)
        elif name == "lab":
            background.append(threading.Thread(target=record, args=(name, cmd, cwd)))
            background[-1].start()
        else:
            record(name, cmd, cwd)
            if name == "lab-images":
                images_ok = outcome[name][0] == "passed"
    for thread in background:
        thread.join()
    total = time.monotonic() - suite_start
    results = [(name, *outcome[name]) for name, _, _ in stages]

    (LOGS / "timings.json").write_text(json.dumps(
        {"total_seconds": round(total, 1),
         "stages": [{"stage": n, "result": r, "seconds": round(s, 1)} for n, r, s in results]},
        indent=2) + "\n")
    width = max(len(n) for n, _, _ in results)
    print(f"\n{'stage':<{width}}  result   seconds")
    for name, result, seconds in results:
        print(f"{name:<{width}}  {result:<7}  {seconds:7.0f}")
    print(f"{'total':<{width}}           {total:7.0f}")
    for name, result, _ in results:
        if result == "failed":
            log_path = LOGS / f"{name}.log"
            lines = log_path.read_text(errors="replace").splitlines()[-RECAP_LINES:]
            print(f"\n{name} failed; the end of {log_path.relative_to(PROJECT)}:")
            print("\n".join(f"    | {line}" for line in lines))
    passed = sum(r == "passed" for _, r, _ in results)
    failed = sum(r == "failed" for _, r, _ in results)
    skipped = sum(r == "skipped" for _, r, _ in results)
    print(f"stages: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 and skipped == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
