"""The search index over documents' titles, for the documents table's search (title or
text, ``corpus.search.containing``): a trigram GIN index on PostgreSQL, an FTS5 trigram
table kept by triggers on SQLite, as ``0004_search_index`` made for the text."""

from django.db import migrations

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS document_title_trgm "
    "ON corpus_document USING gin (title gin_trgm_ops)",
]
POSTGRESQL_BACK = ["DROP INDEX IF EXISTS document_title_trgm"]

SQLITE = [
    "CREATE VIRTUAL TABLE corpus_document_title_fts USING fts5("
    "title, content='corpus_document', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER corpus_document_title_fts_insert AFTER INSERT ON corpus_document BEGIN "
    "INSERT INTO corpus_document_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER corpus_document_title_fts_delete AFTER DELETE ON corpus_document BEGIN "
    "INSERT INTO corpus_document_title_fts(corpus_document_title_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER corpus_document_title_fts_update AFTER UPDATE OF title ON corpus_document "
    "BEGIN "
    "INSERT INTO corpus_document_title_fts(corpus_document_title_fts, rowid, title) "
    "VALUES ('delete', old.id, old.title); "
    "INSERT INTO corpus_document_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "INSERT INTO corpus_document_title_fts(corpus_document_title_fts) VALUES ('rebuild')",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS corpus_document_title_fts_insert",
    "DROP TRIGGER IF EXISTS corpus_document_title_fts_delete",
    "DROP TRIGGER IF EXISTS corpus_document_title_fts_update",
    "DROP TABLE IF EXISTS corpus_document_title_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("corpus", "0004_search_index")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}),
        )
    ]
