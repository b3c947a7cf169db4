"""Every role's filter plugin loads the way Ansible loads it (FilterModule().filters()),
so a filter that was removed or renamed fails here rather than mid-deploy."""
import importlib.util

import pytest

from test_role_conventions import PROJECT

PLUGINS = sorted(PROJECT.glob("roles/*/filter_plugins/*.py"))


@pytest.mark.parametrize("path", PLUGINS, ids=[p.stem for p in PLUGINS])
def test_filter_module_loads_and_every_filter_is_callable(path):
    spec = importlib.util.spec_from_file_location(f"plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    filters = module.FilterModule().filters()
    assert filters and all(callable(f) for f in filters.values())
