"""Routes: a rendered page, a JSON API over PostgreSQL, and /healthz."""
import atexit
import os

from flask import Flask, jsonify, render_template, request
from psycopg import errors
from psycopg_pool import PoolTimeout

from . import db, settings

PAGE_SIZE = 20


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config["DEMO"] = config or settings.load()
    pool = db.make_pool(app.config["DEMO"])
    _open_pool_in_each_worker(pool)

    @app.get("/")
    def index():
        return render_template("index.html", notes=db.recent_notes(pool, PAGE_SIZE),
                               hostname=os.uname().nodename)

    @app.get("/api/notes")
    def list_notes():
        limit = min(request.args.get("limit", PAGE_SIZE, type=int), 100)
        return jsonify(notes=db.recent_notes(pool, limit), served_by=os.uname().nodename)

    @app.post("/api/notes")
    def create_note():
        data = request.get_json(silent=True) or {}
        author, body = str(data.get("author", "")).strip(), str(data.get("body", "")).strip()
        if not (0 < len(author) <= 80 and 0 < len(body) <= 2000):
            return jsonify(error="author (1-80 chars) and body (1-2000 chars) are required"), 400
        return jsonify(note=db.add_note(pool, author, body), served_by=os.uname().nodename), 201

    @app.get("/healthz")
    def healthz():
        try:
            db.ping(pool)
        except (PoolTimeout, errors.OperationalError) as error:
            return jsonify(status="unavailable", database=str(error)), 503
        return jsonify(status="ok", database="ok", served_by=os.uname().nodename)

    return app


def _open_pool_in_each_worker(pool) -> None:
    """uWSGI imports the app in the master and forks workers: connections must be opened
    after the fork, or workers would share sockets. Outside uWSGI (a script, the deploy's
    import check), open now and close at exit: an unclosed pool makes Python 3.13 wait 5 s
    for each of its threads before the process ends (measured: 20 s per import check)."""
    try:
        import uwsgi  # only importable inside uWSGI
    except ImportError:
        pool.open()
        atexit.register(pool.close)
        return
    uwsgi.post_fork_hook = pool.open
