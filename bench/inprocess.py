"""Django started inside a benchmark's own process (requests through the test client), on
the bench's own SQLite file under bench/ unless DATABASE_URL names another database."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_django(name: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / f'{name}.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
