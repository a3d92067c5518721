"""Django started inside a benchmark's own process (requests through the test client), on
the bench's own SQLite file under bench/ unless DATABASE_URL names another database (a
PostgreSQL database named there is created when missing)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_database(url: str) -> None:
    """PostgreSQL: create the database named in the URL when it is missing."""
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    import psycopg

    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"] or "postgres",
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def start_django(name: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / f'{name}.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
