"""The search index over documents' text (corpus/search.py): a trigram GIN index on
PostgreSQL, an FTS5 trigram table kept by triggers on SQLite. Text is immutable once
spans point into it; the triggers still follow any change, so nothing is ever stale,
whichever way documents arrive (import, bulk insert, admin)."""

from django.db import migrations

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS document_text_trgm ON corpus_document USING gin (text gin_trgm_ops)",
]
POSTGRESQL_BACK = ["DROP INDEX IF EXISTS document_text_trgm"]

SQLITE = [
    "CREATE VIRTUAL TABLE corpus_document_fts USING fts5("
    "text, content='corpus_document', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER corpus_document_fts_insert AFTER INSERT ON corpus_document BEGIN "
    "INSERT INTO corpus_document_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER corpus_document_fts_delete AFTER DELETE ON corpus_document BEGIN "
    "INSERT INTO corpus_document_fts(corpus_document_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER corpus_document_fts_update AFTER UPDATE OF text ON corpus_document BEGIN "
    "INSERT INTO corpus_document_fts(corpus_document_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO corpus_document_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO corpus_document_fts(corpus_document_fts) VALUES ('rebuild')",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS corpus_document_fts_insert",
    "DROP TRIGGER IF EXISTS corpus_document_fts_delete",
    "DROP TRIGGER IF EXISTS corpus_document_fts_update",
    "DROP TABLE IF EXISTS corpus_document_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("corpus", "0003_document_title_index")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}),
        )
    ]
