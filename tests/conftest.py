"""Make every role's filter plugins importable by the unit tests."""
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
for plugin_dir in sorted(PROJECT.glob("roles/*/filter_plugins")):
    sys.path.insert(0, str(plugin_dir))
