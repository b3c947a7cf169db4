"""Make every role's filter plugins and modules importable by the unit tests."""
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
for plugin_dir in sorted([*PROJECT.glob("roles/*/filter_plugins"), *PROJECT.glob("roles/*/library")]):
    sys.path.insert(0, str(plugin_dir))
