#!/usr/bin/env python3
"""The kit's local lab: Debian hosts as systemd containers, reached over SSH like servers.

    lab/lab.py up            engine + images + network + ACME server + hosts + SSH keys
                             (safe to re-run)
    lab/lab.py images        engine + host images only (what the Molecule scenarios need)
    lab/lab.py status        what the lab has running
    lab/lab.py down          remove the hosts, network, images, state, and the engine if
                             this script started it (--keep-images, --keep-engine)
    lab/lab.py engine-stop   stop the Docker engine, only if this script started it
    lab/lab.py container-spec  the test-host container recipe as JSON (for Molecule)

The hosts come from inventories/local (read with ansible-inventory, so the inventory is the
one description of the lab): every host there has lab_image, private_address, ansible_port
and optionally lab_published_ports. Everything the script creates is named wsgikit-* and
labelled wsgikit.lab=1; its own files live in .lab/ in the project folder.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
STATE = PROJECT / ".lab"
IMAGE_DIR = PROJECT / "lab" / "image"
INVENTORY = PROJECT / "inventories" / "local"

LABEL = "wsgikit.lab"
# Lab hosts carry their own label: a container inherits its image's labels, so Molecule's
# containers (started from the lab's images) carry LABEL too, and must not be taken for
# lab hosts (or removed by `down`).
HOST_LABEL = "wsgikit.lab.host"
FINGERPRINT_LABEL = "wsgikit.lab.fingerprint"
# What a host container was made with: the SSH key mounted as deploy's authorized_keys, the
# container recipe and the host image. A container left by another clone, or kept after
# .lab/ was removed, trusts a key this clone does not have; one made before a recipe or
# image change is not the host the lab now describes. `up` recreates it.
MADE_WITH_LABEL = "wsgikit.lab.made-with"
CONTAINER_PREFIX = "wsgikit-lab-"
# lab_image value -> (Debian suite, registry image used when a registry answers)
DISTROS = {"debian12": ("bookworm", "debian:bookworm"), "debian13": ("trixie", "debian:trixie")}
# How every test host of the kit runs, in the lab and in every Molecule scenario (which
# reads it with `lab.py container-spec`): systemd as PID 1 without --privileged
# (shared/DESIGN.md). The image carries what an image can (systemd as its command, the
# SIGRTMIN+3 stop signal: lab/image/Dockerfile); this is what only `docker run` can give.
# Keys are community.docker.docker_container's parameter names.
CONTAINER_RECIPE = {
    "cgroupns_mode": "host",
    "volumes": ["/sys/fs/cgroup:/sys/fs/cgroup:rw"],
    # a tmpfs /tmp also keeps Debian 13's tmp.mount from failing (systemd "degraded")
    "tmpfs": ["/run", "/run/lock", "/tmp"],
    # nftables (roles/firewall) needs it in the container's own network namespace
    "capabilities": ["NET_ADMIN"],
}
COMMON_DEFAULTS = PROJECT / "roles" / "common" / "defaults" / "main.yml"
FALLBACK_MIRROR = "http://deb.debian.org/debian"


class LabError(Exception):
    """A failure the user can act on; the message says what to do."""


def say(message: str) -> None:
    print(f"lab: {message}", flush=True)


def run(cmd: list[str], *, check: bool = True, capture: bool = True, timeout: float | None = None,
        stdin: bytes | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=capture, timeout=timeout, input=stdin)
    if check and result.returncode != 0:
        detail = (result.stderr or b"").decode(errors="replace").strip() if capture else ""
        raise LabError(f"`{' '.join(cmd)}` failed (exit {result.returncode}): {detail[-2000:]}")
    return result


def docker(*args: str, check: bool = True, timeout: float | None = None) -> str:
    return run(["docker", *args], check=check, timeout=timeout).stdout.decode().strip()


# --- the Docker engine -------------------------------------------------------------------

def engine_answers() -> bool:
    try:
        return run(["docker", "info"], check=False, timeout=20).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


# Every program the lab runs on this machine -> the Debian package that provides it. A
# fresh machine has none of them; `make lab` installs them itself (CI installs nothing, so
# a missing entry here fails CI exactly as it would fail a new user).
HOST_TOOLS = {
    "dockerd": "docker.io",
    "debootstrap": "debootstrap",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "ssh-keyscan": "openssh-client",
    "pebble": "pebble",
    "pebble-challtestsrv": "pebble",
    "wrk": "wrk",  # make bench's load generator (tooling/bench)
}
_apt_lock = threading.Lock()  # base images are made in parallel; dpkg takes one at a time


def apt_install(packages: list[str]) -> None:
    if os.geteuid() != 0:
        raise LabError(f"{', '.join(packages)} missing and not root: install them "
                       f"(apt-get install {' '.join(packages)}) or run as root")
    say(f"installing {', '.join(packages)} from Debian's packages")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]):
        result = subprocess.run(cmd, env=env, capture_output=True)
        if result.returncode != 0:
            raise LabError(f"`{' '.join(cmd)}` failed (exit {result.returncode}): "
                           f"{result.stderr.decode(errors='replace').strip()[-2000:]}")


def ensure_tools(*commands: str) -> None:
    """Install, in one apt run, the packages of whichever of these commands are missing."""
    with _apt_lock:
        missing = sorted({HOST_TOOLS[c] for c in commands if shutil.which(c) is None})
        if missing:
            apt_install(missing)


def ensure_engine() -> bool:
    """Return True when this call started the engine."""
    if engine_answers():
        say("docker engine: already running, leaving it alone")
        return False
    ensure_tools("dockerd")
    if os.geteuid() != 0:
        raise LabError("no Docker engine answers and starting one needs root: start Docker, "
                       "or run as root")
    STATE.mkdir(exist_ok=True)
    pidfile = STATE / "dockerd.pid"
    say(f"docker engine: starting dockerd (log in {STATE / 'dockerd.log'})")
    with open(STATE / "dockerd.log", "ab") as log:
        subprocess.Popen(["dockerd", "--pidfile", str(pidfile)], stdout=log, stderr=log,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if engine_answers():
            (STATE / "dockerd.started-by-lab").write_text(pidfile.read_text())
            return True
        time.sleep(1)
    raise LabError(f"dockerd did not answer within 60 s: see {STATE / 'dockerd.log'}")


def stop_engine_if_ours() -> None:
    marker = STATE / "dockerd.started-by-lab"
    if not marker.exists():
        say("docker engine: not started by the lab, leaving it alone")
        return
    pid = int(marker.read_text().strip())
    say(f"docker engine: stopping dockerd (pid {pid}) that the lab started")
    try:
        os.kill(pid, 15)
        for _ in range(60):
            os.kill(pid, 0)
            time.sleep(0.5)
        raise LabError(f"dockerd (pid {pid}) still running after 30 s")
    except ProcessLookupError:
        pass
    marker.unlink()


# --- host images -------------------------------------------------------------------------

def image_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(IMAGE_DIR.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def host_image(distro: str) -> str:
    return f"wsgikit-host:{distro}"


def base_image(distro: str) -> str:
    return f"wsgikit-base:{distro}"


def label_of(kind: str, name: str, label: str) -> str | None:
    """A label of a Docker image or container (kind "image" or "container"); None if absent."""
    out = run(["docker", kind, "inspect", "--format", "{{json .Config.Labels}}", name], check=False)
    return (json.loads(out.stdout) or {}).get(label) if out.returncode == 0 else None


def debian_mirror() -> str:
    """The Debian mirror this machine's own apt sources use (debootstrap needs one)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if not path.is_file():
            continue
        for url in re.findall(r"(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", path.read_text()):
            if url.rstrip("/").endswith("/debian"):
                return url.rstrip("/")
    return FALLBACK_MIRROR


def make_base_image(distro: str) -> None:
    suite, registry_image = DISTROS[distro]
    pulled = run(["docker", "pull", "-q", registry_image], check=False, timeout=120)
    if pulled.returncode == 0:
        docker("tag", registry_image, base_image(distro))
        say(f"{base_image(distro)}: pulled {registry_image}")
        return
    ensure_tools("debootstrap")
    rootfs = STATE / "rootfs" / suite
    shutil.rmtree(rootfs, ignore_errors=True)
    mirror = debian_mirror()
    say(f"{base_image(distro)}: no registry answers, debootstrapping {suite} from {mirror}")
    try:
        run(["debootstrap", "--variant=minbase", suite, str(rootfs), mirror], timeout=900)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(["docker", "import", "--change", f"LABEL {LABEL}=1", "-",
                                   base_image(distro)], stdin=tar.stdout, capture_output=True)
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise LabError(f"docker import of {rootfs} failed: {imported.stderr.decode()}")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def build_host_image(distro: str, fingerprint: str) -> None:
    say(f"{host_image(distro)}: building")
    env = dict(os.environ, DOCKER_BUILDKIT="0")  # the CLI is newer than Debian's daemon
    result = subprocess.run(
        ["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base_image(distro)}",
         "--label", f"{LABEL}=1", "--label", f"{FINGERPRINT_LABEL}={fingerprint}",
         "-t", host_image(distro), str(IMAGE_DIR)], capture_output=True, env=env)
    if result.returncode != 0:
        raise LabError(f"building {host_image(distro)} failed:\n{result.stderr.decode()[-3000:]}")


def ensure_images(distros: set[str]) -> int:
    """Build the host images that are missing or out of date; return how many were built."""
    unknown = distros - DISTROS.keys()
    if unknown:
        raise LabError(f"lab_image {sorted(unknown)} is not one of {sorted(DISTROS)}: "
                       "fix lab_image in inventories/local")
    STATE.mkdir(exist_ok=True)
    fingerprint = image_fingerprint()
    stale = sorted(d for d in distros
                   if label_of("image", host_image(d), FINGERPRINT_LABEL) != fingerprint)
    for distro in sorted(distros - set(stale)):
        say(f"{host_image(distro)}: up to date")
    need_base = [d for d in stale if label_of("image", base_image(d), LABEL) is None
                 and run(["docker", "image", "inspect", base_image(d)], check=False).returncode]
    # Base images are independent downloads: make them side by side.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(make_base_image, d) for d in need_base]:
            future.result()
    for distro in stale:
        build_host_image(distro, fingerprint)
    return len(stale)


# --- the lab hosts -----------------------------------------------------------------------

def lab_hosts() -> dict[str, dict]:
    """Host name -> its variables, as inventories/local defines them."""
    ansible_inventory = shutil.which("ansible-inventory", path=f"{PROJECT / '.venv' / 'bin'}"
                                     f"{os.pathsep}{os.environ.get('PATH', '')}")
    if ansible_inventory is None:
        raise LabError("ansible-inventory not found: run `make venv` first")
    listing = json.loads(run([ansible_inventory, "-i", str(INVENTORY), "--list"]).stdout)
    hostvars = listing["_meta"]["hostvars"]
    settings = listing["all"].get("vars", {}) or next(iter(hostvars.values()))
    for name, hvars in hostvars.items():
        for key in ("lab_image", "private_address", "ansible_port"):
            if key not in hvars:
                raise LabError(f"host {name} in inventories/local has no {key}: add it to its "
                               "entry in inventories/local/hosts.yml")
    web = listing.get("web", {}).get("hosts", [])
    settings = {**settings, "_web_addresses": [hostvars[h]["private_address"] for h in web]}
    return {"_settings": settings, **hostvars}


def container_state(name: str) -> str | None:
    out = run(["docker", "container", "inspect", "--format", "{{.State.Status}}", name], check=False)
    return out.stdout.decode().strip() if out.returncode == 0 else None


def ensure_ssh_key() -> Path:
    key = STATE / "ssh" / "id_ed25519"
    ensure_tools("ssh", "ssh-keygen", "ssh-keyscan")  # Ansible reaches the hosts with ssh
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "wsgikit-lab", "-f", str(key)])
        say(f"generated the lab's SSH key {key}")
    return key


def ensure_network(name: str, subnet: str) -> bool:
    if run(["docker", "network", "inspect", name], check=False).returncode == 0:
        return False
    docker("network", "create", "--driver", "bridge", "--subnet", subnet, "--label", f"{LABEL}=1", name)
    say(f"network {name} ({subnet}): created")
    return True


def container_sysctls() -> dict[str, str]:
    """The common role's kernel settings that a container can be given when it is created.

    /proc/sys is read-only inside a container, so these are the only way the roles get the
    values they want; Docker accepts only network-namespaced keys (net.*), and those are
    what the common role sets.
    """
    import yaml  # the toolchain's (.venv); only this needs it
    wanted = yaml.safe_load(COMMON_DEFAULTS.read_text())["common_sysctl"]
    return {key: str(value) for key, value in wanted.items() if key.startswith("net.")}


def container_spec() -> dict:
    """Every docker_container parameter a kit test host needs, besides its name and image."""
    return {**CONTAINER_RECIPE, "sysctls": container_sysctls()}


def docker_run_args(spec: dict) -> list[str]:
    """container_spec() as `docker run` options (the command goes after the image)."""
    args = [f"--cgroupns={spec['cgroupns_mode']}"]
    for volume in spec["volumes"]:
        args += ["--volume", volume]
    for mount in spec["tmpfs"]:
        args += ["--tmpfs", mount]
    for key, value in spec["sysctls"].items():
        args += ["--sysctl", f"{key}={value}"]
    for capability in spec["capabilities"]:
        args += ["--cap-add", capability]
    return args


def made_with(public_key: Path) -> str:
    recipe = json.dumps(container_spec(), sort_keys=True).encode()
    return hashlib.sha256(public_key.read_bytes() + b"\0" + recipe + b"\0"
                          + image_fingerprint().encode()).hexdigest()[:16]


def run_host(name: str, hvars: dict, network: str, public_key: Path) -> None:
    spec = container_spec()
    cmd = ["docker", "run", "--detach", "--name", CONTAINER_PREFIX + name, "--hostname", name,
           "--label", f"{LABEL}=1", "--label", f"{HOST_LABEL}=1",
           "--label", f"{MADE_WITH_LABEL}={made_with(public_key)}",
           "--network", network, "--ip", hvars["private_address"],
           "--publish", f"127.0.0.1:{hvars['ansible_port']}:22", *docker_run_args(spec),
           "--volume", f"{public_key}:/home/deploy/.ssh/authorized_keys:ro"]
    for port in hvars.get("lab_published_ports", []):
        if not str(port).startswith("127.0.0.1:"):
            raise LabError(f"lab_published_ports of {name} has {port!r}: publish on 127.0.0.1 only "
                           "(e.g. 127.0.0.1:8443:443)")
        cmd += ["--publish", str(port)]
    run(cmd + [host_image(hvars["lab_image"])])


def wait_for_boot(container: str, timeout: float = 120) -> str:
    """systemd's verdict once boot is over: "running", or "degraded" with failed units."""
    deadline = time.monotonic() + timeout
    while True:
        # Until PID 1 has its bus up, systemctl cannot even ask: retry until it answers.
        result = run(["docker", "exec", container, "systemctl", "is-system-running", "--wait"],
                     check=False, timeout=timeout)
        state = result.stdout.decode().strip()
        if state or time.monotonic() > deadline:
            return state or "no answer"
        time.sleep(0.5)


def scan_host_keys(ports: list[int], timeout: float = 60) -> list[str]:
    lines: list[str] = []
    for port in ports:
        deadline = time.monotonic() + timeout
        while True:
            out = run(["ssh-keyscan", "-T", "3", "-p", str(port), "127.0.0.1"], check=False)
            found = [ln for ln in out.stdout.decode().splitlines() if ln and not ln.startswith("#")]
            if found:
                lines += found
                break
            if time.monotonic() > deadline:
                raise LabError(f"no sshd answered on 127.0.0.1:{port} within {timeout:.0f} s")
            time.sleep(1)
    return sorted(lines)


def check_login(name: str, port: int, key: Path, known_hosts: Path, timeout: float = 30) -> None:
    """Log in as Ansible will (deploy, the lab's key, pinned host keys), so a lab that cannot
    be reached fails here, with ssh's own words, instead of as UNREACHABLE in a playbook."""
    cmd = ["ssh", "-p", str(port), "-i", str(key), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
           "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
           "-o", "ConnectTimeout=5", "deploy@127.0.0.1", "true"]
    deadline = time.monotonic() + timeout
    while True:
        result = run(cmd, check=False, timeout=timeout)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise LabError(f"{name}: ssh deploy@127.0.0.1 -p {port} with {key} failed: "
                           f"{result.stderr.decode(errors='replace').strip()[-500:]} "
                           "(`make lab-down` then `make lab` rebuilds the lab)")
        time.sleep(1)


# --- the lab's ACME server ---------------------------------------------------------------
# Let's Encrypt's test server, pebble (Debian's package), runs on this machine at the lab
# network's gateway, so the web hosts get their certificates over ACME exactly as from Let's
# Encrypt: pebble fetches the HTTP-01 challenge from nginx on port 80. Its DNS is
# pebble-challtestsrv, which answers every name with the first web host's address. Pebble
# serves its API over HTTPS with a certificate from a CA made here (.lab/acme/ca.pem), which
# the lab's inventory gives the web hosts to trust (nginx_acme_server_ca). Pebble keeps its
# accounts in memory: after it restarts, `make lab` issues again where a certificate is due.
ACME_DIR = STATE / "acme"
ACME_DNS_PORT = 8053
ACME_DNS_MANAGEMENT_PORT = 8055


def make_acme_certificates(address: str) -> None:
    """A CA and, signed by it, pebble's HTTPS certificate for `address` (kept across runs)."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def pem_key(key) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wsgikit lab ACME server CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
              .issuer_name(ca_name).public_key(server_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(hours=1))
              .not_valid_after(now + datetime.timedelta(days=365))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))
    ACME_DIR.mkdir(parents=True, exist_ok=True)
    (ACME_DIR / "server.key").write_bytes(pem_key(server_key))
    (ACME_DIR / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (ACME_DIR / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))


def acme_answers(address: str, port: int) -> bool:
    import ssl
    import urllib.request
    context = ssl.create_default_context(cafile=str(ACME_DIR / "ca.pem"))
    try:
        with urllib.request.urlopen(f"https://{address}:{port}/dir", context=context, timeout=3) as answer:
            return "newOrder" in json.loads(answer.read())
    except (OSError, ValueError):
        return False


def process_running(pidfile: Path) -> bool:
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
        return True
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False


def start_process(name: str, cmd: list[str], env: dict | None = None) -> None:
    with open(ACME_DIR / f"{name}.log", "ab") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=ACME_DIR,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    (ACME_DIR / f"{name}.pid").write_text(str(process.pid))


def ensure_acme(settings: dict) -> bool:
    """Start pebble and its DNS unless they already answer; True when started here."""
    address, port = settings.get("lab_acme_address"), int(settings.get("lab_acme_port", 14000))
    if not address:
        return False
    web = settings["_web_addresses"]
    if not web:
        raise LabError("inventories/local has no host in group web for the ACME server's DNS to name")
    ensure_tools("pebble", "pebble-challtestsrv")
    if (ACME_DIR / "ca.pem").exists() and acme_answers(address, port):
        return False
    stop_acme()
    if not (ACME_DIR / "server.pem").exists():
        make_acme_certificates(address)
    config = {"pebble": {"listenAddress": f"{address}:{port}",
                         "managementListenAddress": f"{address}:{port + 1000}",
                         "certificate": "server.pem", "privateKey": "server.key",
                         # where it fetches the challenges: nginx's own ports
                         "httpPort": 80, "tlsPort": 443,
                         "ocspResponderURL": "", "externalAccountBindingRequired": False,
                         # Let's Encrypt's 90 days (pebble's own default is 5 years)
                         "certificateValidityPeriod": 90 * 86400}}
    (ACME_DIR / "pebble.json").write_text(json.dumps(config, indent=2))
    start_process("challtestsrv", ["pebble-challtestsrv", "-defaultIPv4", web[0], "-defaultIPv6", "",
                                   "-dns01", f"{address}:{ACME_DNS_PORT}", "-http01", "", "-https01", "",
                                   "-tlsalpn01", "", "-management", f"{address}:{ACME_DNS_MANAGEMENT_PORT}"])
    # No random delays or refused nonces: the lab proves the kit, not ACME clients' retries.
    start_process("pebble", ["pebble", "-config", "pebble.json", "-dnsserver", f"{address}:{ACME_DNS_PORT}"],
                  env={"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"})
    deadline = time.monotonic() + 30
    while not acme_answers(address, port):
        if time.monotonic() > deadline or not process_running(ACME_DIR / "pebble.pid"):
            raise LabError(f"pebble did not answer on https://{address}:{port}/dir within 30 s: "
                           f"see {ACME_DIR / 'pebble.log'} and {ACME_DIR / 'challtestsrv.log'}")
        time.sleep(0.5)
    say(f"ACME server: pebble on https://{address}:{port}/dir, names resolve to {web[0]}")
    return True


def stop_acme() -> None:
    for name in ("pebble", "challtestsrv"):
        pidfile = ACME_DIR / f"{name}.pid"
        if process_running(pidfile):
            pid = int(pidfile.read_text().strip())
            os.kill(pid, 15)
            for _ in range(20):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.25)
            say(f"stopped {name} (pid {pid})")
        pidfile.unlink(missing_ok=True)


def up() -> int:
    hosts = lab_hosts()
    settings = hosts.pop("_settings")
    network, subnet = settings.get("lab_network", "wsgikit-lab"), settings["lab_subnet"]
    changed = int(ensure_engine())
    changed += ensure_images({h["lab_image"] for h in hosts.values()})
    public_key = ensure_ssh_key().with_suffix(".pub")
    wanted = made_with(public_key)
    changed += ensure_network(network, subnet)
    changed += ensure_acme(settings)
    for name, hvars in sorted(hosts.items()):
        container = CONTAINER_PREFIX + name
        state = container_state(container)
        if state is not None and label_of("container", container, MADE_WITH_LABEL) != wanted:
            docker("rm", "-f", container)
            say(f"{name}: made with another image, container recipe or SSH key than this clone's "
                "(lab/image or lab.py changed, another clone, a removed .lab/), recreating")
            state = None
        if state == "running":
            continue
        if state is None:
            run_host(name, hvars, network, public_key)
            say(f"{name}: started {hvars['lab_image']} at {hvars['private_address']}, "
                f"ssh on 127.0.0.1:{hvars['ansible_port']}")
        else:
            docker("start", container)
            say(f"{name}: was {state}, started again")
        changed += 1
        boot = wait_for_boot(container)
        if boot != "running":
            failed = docker("exec", container, "systemctl", "--failed", "--no-legend", check=False)
            say(f"{name}: systemd reports {boot!r}; failed units: {failed or 'none'}")
    known_hosts = STATE / "known_hosts"
    keys = "\n".join(scan_host_keys([int(h["ansible_port"]) for h in hosts.values()])) + "\n"
    if not known_hosts.exists() or known_hosts.read_text() != keys:
        known_hosts.write_text(keys)
        changed += 1
    for name, hvars in sorted(hosts.items()):
        check_login(name, int(hvars["ansible_port"]), public_key.with_suffix(""), known_hosts)
    say(f"{len(hosts)} hosts up; changed={changed}")
    return 0


def down(keep_images: bool, keep_engine: bool) -> int:
    if engine_answers():
        containers = docker("ps", "-aq", "--filter", f"label={HOST_LABEL}").split()
        if containers:
            docker("rm", "-f", *containers)
            say(f"removed {len(containers)} lab containers")
        networks = docker("network", "ls", "-q", "--filter", f"label={LABEL}").split()
        if networks:
            docker("network", "rm", *networks)
            say("removed the lab network")
        if not keep_images:
            images = [f"{ref}:{d}" for ref in ("wsgikit-host", "wsgikit-base") for d in DISTROS]
            present = [i for i in images
                       if run(["docker", "image", "inspect", i], check=False).returncode == 0]
            if present:
                docker("rmi", "-f", *present)
                say(f"removed images {', '.join(present)}")
    stop_acme()
    if not keep_engine:
        stop_engine_if_ours()
    for item in ("ssh", "known_hosts", "rootfs", "acme"):
        path = STATE / item
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return 0


def status() -> int:
    if not engine_answers():
        say("no docker engine answers")
        return 1
    print(docker("ps", "-a", "--filter", f"label={HOST_LABEL}",
                 "--format", "table {{.Names}}\t{{.Status}}\t{{.Ports}}"))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up")
    sub.add_parser("images")
    sub.add_parser("status")
    sub.add_parser("engine-stop")
    sub.add_parser("container-spec", help="print the test-host container recipe as JSON "
                   "(Molecule's create step reads it)")
    down_parser = sub.add_parser("down")
    down_parser.add_argument("--keep-images", action="store_true")
    down_parser.add_argument("--keep-engine", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return up()
        if args.command == "images":
            ensure_engine()
            ensure_images(set(DISTROS))
            return 0
        if args.command == "status":
            return status()
        if args.command == "container-spec":
            print(json.dumps(container_spec()))
            return 0
        if args.command == "engine-stop":
            stop_engine_if_ours()
            return 0
        return down(args.keep_images, args.keep_engine)
    except LabError as error:
        print(f"lab: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
