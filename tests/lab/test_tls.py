"""TLS as Mozilla's "intermediate" profile asks, on the lab's one deploy: sslyze scans the web
host at its private address with the site's name (SNI). Judged against the public roots,
the only finding is the certificate path (it comes from the lab's ACME server, pebble, which
no browser trusts); with pebble's own root added, the host is compliant. SSL 2/3 and TLS 1.0
and 1.1 handshakes are refused; TLS 1.2 and 1.3 are taken. sslyze's JSON goes to
reports/lab/sslyze*.json. Seen failing: with TLSv1 and TLSv1.1 and one CBC cipher added to
nginx.conf by hand, both tests failed on "tls_versions ... should be rejected" and "ciphers"."""
import json
import subprocess
import ssl
import urllib.request

import pytest

from labtools import PROJECT

SSLYZE = PROJECT / ".venv-sslyze" / "bin" / "python"
REPORTS = PROJECT / "reports" / "lab"


@pytest.fixture(scope="module")
def target(deployed, lab_hosts):
    if not SSLYZE.exists():
        pytest.fail(f"{SSLYZE} is missing: `make sslyze-venv` (make test builds it)")
    _, hostvars, groups = lab_hosts
    web = groups["web"][0]
    return f"web1:443{{{hostvars[web]['private_address']}}}", hostvars[web]["lab_acme_address"]


def sslyze(target, report, *extra):
    REPORTS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([str(SSLYZE), "-m", "sslyze", "--mozilla_config=intermediate", *extra,
                             f"--json_out={REPORTS / report}", target],
                            capture_output=True, text=True, timeout=300, cwd=PROJECT)
    compliance = result.stdout.split("COMPLIANCE AGAINST TLS CONFIGURATION", 1)[-1]
    findings = {line.strip()[2:].split(":")[0] for line in compliance.splitlines() if line.strip().startswith("* ")}
    return result, compliance, findings, json.loads((REPORTS / report).read_text())


def test_the_web_host_meets_mozillas_intermediate_profile_but_for_the_lab_ca(target):
    result, compliance, findings, scan = sslyze(target[0], "sslyze.json")
    assert "Not compliant" in compliance and findings == {"certificate_path_validation"}, result.stdout[-3000:]
    accepted = {name: len(value["result"]["accepted_cipher_suites"])
                for name, value in scan["server_scan_results"][0]["scan_result"].items()
                if name.endswith("_cipher_suites")}
    assert {k: v for k, v in accepted.items() if v}.keys() == {"tls_1_2_cipher_suites", "tls_1_3_cipher_suites"}, \
        accepted


def test_with_the_acme_servers_root_trusted_it_is_compliant(target, tmp_path):
    context = ssl.create_default_context(cafile=str(PROJECT / ".lab" / "acme" / "ca.pem"))
    with urllib.request.urlopen(f"https://{target[1]}:15000/roots/0", context=context, timeout=10) as answer:
        (tmp_path / "root.pem").write_bytes(answer.read())
    result, compliance, findings, _ = sslyze(target[0], "sslyze-lab-ca.json",
                                             f"--certinfo_ca_file={tmp_path / 'root.pem'}")
    assert "OK - Compliant" in compliance and not findings, result.stdout[-3000:]
    assert result.returncode == 0
