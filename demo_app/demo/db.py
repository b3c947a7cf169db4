"""The connection pool and the queries. One pool per worker process, opened after fork."""
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

SCHEMA_VERSION = 1
# Each statement is safe to run again: migrations run on every deploy.
MIGRATIONS = {
    1: ["CREATE TABLE IF NOT EXISTS notes ("
        " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        " author text NOT NULL CHECK (length(author) BETWEEN 1 AND 80),"
        " body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),"
        " created_at timestamptz NOT NULL DEFAULT now())",
        "CREATE INDEX IF NOT EXISTS notes_created_at ON notes (created_at DESC)"],
}


def make_pool(settings: dict) -> ConnectionPool:
    # check: a connection the server dropped (a restart, a restore) is replaced when it is
    # taken from the pool, instead of failing the request that gets it.
    return ConnectionPool(settings["database_url"], min_size=settings["pool_min_size"],
                          max_size=settings["pool_max_size"], timeout=settings["pool_timeout"],
                          kwargs={"row_factory": dict_row}, open=False, name="demo",
                          check=ConnectionPool.check_connection)


def recent_notes(pool: ConnectionPool, limit: int) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute("SELECT id, author, body, created_at FROM notes"
                            " ORDER BY created_at DESC, id DESC LIMIT %s", (limit,)).fetchall()


def add_note(pool: ConnectionPool, author: str, body: str) -> dict:
    with pool.connection() as conn:
        return conn.execute("INSERT INTO notes (author, body) VALUES (%s, %s)"
                            " RETURNING id, author, body, created_at", (author, body)).fetchone()


def count_notes(pool: ConnectionPool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM notes").fetchone()["n"]


def ping(pool: ConnectionPool) -> None:
    with pool.connection() as conn:
        conn.execute("SELECT 1")


def migrate(conn) -> list[int]:
    """Bring the schema to SCHEMA_VERSION; returns the versions applied (empty: up to date)."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY)")
    conn.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
    done = {row[0] for row in conn.execute("SELECT version FROM schema_version")}
    applied = []
    for version in sorted(v for v in MIGRATIONS if v not in done):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        applied.append(version)
    return applied
