"""Helpers for the lab stage's tests and fixtures: run lab/lab.py and ansible-playbook
against the lab, and read a play recap."""
import re
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = PROJECT / ".venv" / "bin" / "python"
VENV_BIN = PROJECT / ".venv" / "bin"


def lab(*args: str) -> str:
    result = subprocess.run([str(PYTHON), "lab/lab.py", *args], cwd=PROJECT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def lab_containers() -> list[str]:
    out = subprocess.run(["docker", "ps", "-a", "--filter", "label=wsgikit.lab.host",
                          "--format", "{{.Names}}"], capture_output=True, text=True, check=True)
    return sorted(out.stdout.split())


def playbook(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "inventories/local", *args],
                            cwd=PROJECT, capture_output=True, text=True, timeout=1800,
                            env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1",
                                 "HOME": str(Path.home())})
    return result, time.monotonic() - start


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP lines -> {host: {ok: n, changed: n, failed: n, ...}}."""
    hosts = {}
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line)
        if match and "ok=" in match.group(2):
            hosts[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return hosts


@contextmanager
def background_load(url: str, users: int = 50, settle: float = 5):
    """Locust (tests/lab/background_load.py) against url for as long as the block runs; the
    result dict gets requests, failures, resent, max_ms, p99_ms and the error and resend
    lines afterwards."""
    result = {}
    process = subprocess.Popen(
        [str(VENV_BIN / "locust"), "-f", str(PROJECT / "tests" / "lab" / "background_load.py"), "--headless",
         "-u", str(users), "-r", str(users), "-H", url, "--only-summary", "--stop-timeout", "5"],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(settle)  # every user started and running before the operation
    try:
        yield result
        time.sleep(settle)  # and after it, so a late failure is seen
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    line = next((l for l in output.splitlines() if l.startswith("LOAD ")), None)
    assert line, output[-3000:]
    result.update({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)})
    result["errors_text"] = [l for l in output.splitlines() if l.startswith("LOAD-ERROR")]
    result["resent_text"] = [l for l in output.splitlines() if l.startswith("LOAD-RESENT")]
