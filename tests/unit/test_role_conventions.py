"""The kit's role conventions, checked for every role: each variable is prefixed with the
role's name, declared once in defaults/main.yml under a comment line, typed in
meta/argument_specs.yml, and listed in the role's README."""
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (PROJECT / "roles").iterdir() if (p / "defaults" / "main.yml").exists())


def defaults(role):
    return yaml.safe_load((PROJECT / "roles" / role / "defaults" / "main.yml").read_text()) or {}


def spec_options(role):
    specs = yaml.safe_load((PROJECT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_carries_the_role_prefix(role):
    assert [k for k in defaults(role) if not k.startswith(f"{role}_")] == []


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_argument_specs_name_the_same_variables(role):
    assert sorted(defaults(role)) == sorted(spec_options(role))


@pytest.mark.parametrize("role", ROLES)
def test_every_default_has_a_comment_line_above_it(role):
    lines = (PROJECT / "roles" / role / "defaults" / "main.yml").read_text().splitlines()
    uncommented = [line.split(":")[0] for i, line in enumerate(lines)
                   if line.startswith(f"{role}_") and not lines[i - 1].startswith("#")]
    assert uncommented == []


@pytest.mark.parametrize("role", ROLES)
def test_readme_lists_every_variable(role):
    readme = (PROJECT / "roles" / role / "README.md").read_text()
    assert [k for k in defaults(role) if f"`{k}`" not in readme] == []
