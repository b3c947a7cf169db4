"""Which of an inventory's secrets cannot be used (unit-tested in tests/unit/test_secrets.py)."""
from __future__ import annotations

import re


def secrets_unusable(variables: dict, pattern: str, min_length) -> list[str]:
    """One line per `vault_*` variable that is empty, too short or a placeholder (values are
    never quoted: a real secret that merely looks odd must not end up in a log)."""
    problems = []
    placeholder = re.compile(pattern)
    for name in sorted(k for k in variables if k.startswith("vault_")):
        value = "" if variables[name] is None else str(variables[name])
        if placeholder.search(value):
            problems.append(f"{name} is a placeholder (it matches secrets_placeholder_pattern): set the real secret")
        elif len(value) < int(min_length):
            problems.append(f"{name} has {len(value)} characters: at least {int(min_length)} "
                            "(secrets_min_length)")
    return problems


def secrets_plaintext_files(files: list, inventory_dir: str) -> list[str]:
    """One line per plaintext file setting a vault_ variable: where it is and how to encrypt it."""
    lines = []
    for path in sorted(f["path"] if isinstance(f, dict) else f for f in files):
        relative = path[len(inventory_dir):].lstrip("/") if path.startswith(inventory_dir) else path
        lines.append(f"{relative} sets vault_* variables in plaintext: encrypt it "
                     f"(ansible-vault encrypt {path}) or each value (ansible-vault encrypt_string)")
    return lines


class FilterModule:
    def filters(self):
        return {"secrets_unusable": secrets_unusable, "secrets_plaintext_files": secrets_plaintext_files}
