"""Make the kit's filter plugins (shared and per-role) importable by the unit tests."""
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
for plugin_dir in [PROJECT / "filter_plugins", *sorted(PROJECT.glob("roles/*/filter_plugins"))]:
    sys.path.insert(0, str(plugin_dir))
