"""Settings from the JSON file the app role writes (readable by the app's user only)."""
import json
import os

DEFAULTS = {"database_url": "postgresql:///demo", "pool_min_size": 2, "pool_max_size": 8,
            "pool_timeout": 5.0}


def load() -> dict:
    path = os.environ.get("APP_SETTINGS", "/etc/demo/settings.json")
    with open(path, encoding="utf-8") as settings_file:
        return {**DEFAULTS, **json.load(settings_file)}
