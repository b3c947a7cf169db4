"""python -m demo.migrate: bring the schema up to date; prints what it did (for Ansible)."""
import json

import psycopg

from . import db, settings


def main() -> None:
    with psycopg.connect(settings.load()["database_url"]) as conn:
        applied = db.migrate(conn)
    print(json.dumps({"applied": applied, "schema_version": db.SCHEMA_VERSION}))


if __name__ == "__main__":
    main()
