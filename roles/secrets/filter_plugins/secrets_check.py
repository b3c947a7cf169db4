"""What the controller refuses or warns about before any host is touched: secrets that cannot be
used, and misspelled variables (unit-tested in tests/unit/test_secrets.py)."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml


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


# Where a name that matches no variable most likely belongs.
PREFIX_HINTS = {"postgresql_": "PostgreSQL's own settings go in postgresql_settings "
                               "(e.g. postgresql_settings: {shared_buffers: 2GB})"}


def misspelled_variables(names, known, prefixes) -> list[str]:
    """One line per variable that carries a role's prefix but that no role reads, with the
    closest real name: a typo (postgresql_shared_buffer) is otherwise silently ignored and the
    default deploys instead."""
    known = set(known)
    lines = []
    for name in sorted(set(names) - known):
        if not any(name.startswith(prefix) for prefix in prefixes):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        hint = (f": did you mean {close[0]}?" if close else
                next((f": {text}" for prefix, text in PREFIX_HINTS.items() if name.startswith(prefix)), ""))
        lines.append(f"{name} is not a variable of any role{hint}")
    return lines


def kit_variables(roles_dir: str) -> dict:
    """{known: every name the kit defines (each role's defaults and vars, group_vars/all),
    prefixes: each role's prefix (the roles with defaults) and validate_}."""
    roles = Path(roles_dir)
    files = [*roles.glob("*/defaults/main.yml"), *roles.glob("*/vars/main.yml"),
             *(roles.parent / "group_vars" / "all").glob("*.yml")]
    known = sorted({name for f in files for name in (yaml.safe_load(f.read_text()) or {})})
    prefixes = sorted(f"{d.parent.parent.name}_" for d in roles.glob("*/defaults/main.yml")) + ["validate_"]
    return {"known": known, "prefixes": prefixes}


class FilterModule:
    def filters(self):
        return {"secrets_unusable": secrets_unusable, "secrets_plaintext_files": secrets_plaintext_files,
                "misspelled_variables": misspelled_variables, "kit_variables": kit_variables}
