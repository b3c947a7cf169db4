"""python -m demo.migrate: bring the schema up to date; prints what it did.

The last line follows the app role's convention: `migrations: none` when the schema was
already up to date (the deploy then reports no change), `migrations: applied N` otherwise."""
import json

import psycopg

from . import db, settings


def main() -> None:
    with psycopg.connect(settings.load()["database_url"]) as conn:
        applied = db.migrate(conn)
    print(json.dumps({"applied": applied, "schema_version": db.SCHEMA_VERSION}))
    print(f"migrations: applied {len(applied)}" if applied else "migrations: none")


if __name__ == "__main__":
    main()
