"""The kit's role conventions, checked for every role: each variable is prefixed with the
role's name, has its value in defaults/main.yml, and is typed and described once, in
meta/argument_specs.yml; the README's table is generated from that (tooling/docs.py)."""
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "tooling"))
import docs  # noqa: E402
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
def test_every_variable_has_a_description(role):
    assert [k for k, v in spec_options(role).items() if not docs.description_text(v).strip()] == []


@pytest.mark.parametrize("role", sorted(p.name for p in docs.roles()))
def test_readme_table_matches_argument_specs(role):
    current, wanted = docs.rendered(PROJECT / "roles" / role)
    assert current == wanted, f"roles/{role}/README.md is out of date: run `make docs`"


@pytest.mark.parametrize("role", ROLES)
def test_defaults_describe_nothing(role):
    """A comment in defaults/main.yml would be a second description of a variable."""
    lines = (PROJECT / "roles" / role / "defaults" / "main.yml").read_text().splitlines()
    comments = [line for line in lines[3:] if line.lstrip().startswith("#") and not line.startswith("# ---")]
    assert comments == []
