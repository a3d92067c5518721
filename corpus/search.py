"""Phrase search over document texts, in the database (DESIGN.md: no search server).

The index only narrows the documents worth reading; the exact places are found here, in
Python, with one whole-word, case-insensitive pattern, so every database answers the same
code-point offsets:

- PostgreSQL: a trigram GIN index on the text (``pg_trgm``), asked with ``~*`` (the
  phrase's words in order). A trigram match is a superset of every case-insensitive
  occurrence, so a candidate is never missed (a text-search ``tsvector`` would miss
  some: its parser reads ``kinzhal@x.com`` as one e-mail token, where a reader sees the
  word ``kinzhal``).
- SQLite: an FTS5 table with the trigram tokenizer over the same text, kept by triggers
  (``corpus/migrations/0004_search_index.py``), asked with ``MATCH``.

A word shorter than three characters cannot be looked up by trigrams: such a word narrows
nothing, and the documents are read (still correct, slower).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F, Func, IntegerField, Lookup, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

# Longest phrase accepted, in characters.
PHRASE_MAX = 200
# Combining marks belong to the letter before them: ``café`` is not found in ``cafe\u0301s``.
_MARKS = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORDISH = r"\w" + _MARKS
# What ``str.split()`` splits on (``str.isspace``), written out so that PostgreSQL's
# expression means the same (its ``\s`` leaves out the no-break space).
_SPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def phrase_words(q: str) -> list[str]:
    """The words of a query: split on any whitespace (the phrase matches across a line
    break or a no-break space as well as a space)."""
    return q.split()


def _edges(words: list[str]) -> tuple[bool, bool]:
    """Whether the phrase starts and ends with a word character (then it must not run on)."""
    return bool(re.match(r"\w", words[0][0])), bool(re.match(r"\w", words[-1][-1]))


def phrase_pattern(q: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive: no letter, digit or combining mark runs on before the
    phrase's first word or after its last (when those ends are letters or digits)."""
    words = phrase_words(q)
    first, last = _edges(words)
    before = rf"(?<![{_WORDISH}])" if first else ""
    after = rf"(?![{_WORDISH}])" if last else ""
    body = f"[{_SPACE}]+".join(re.escape(word) for word in words)
    return re.compile(before + body + after, re.IGNORECASE)


def postgresql_pattern(q: str) -> str:
    """``phrase_pattern`` in PostgreSQL's regular expressions (with the ``i`` flag)."""
    words = phrase_words(q)
    first, last = _edges(words)
    before = rf"(?<![[:alnum:]_{_MARKS}])" if first else ""
    after = rf"(?![[:alnum:]_{_MARKS}])" if last else ""
    return before + f"[{_SPACE}]+".join(_regex_escaped(word) for word in words) + after


def find(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """The places of the phrase in ``text``: code-point offsets, half-open."""
    for found in pattern.finditer(text):
        yield found.start(), found.end()


class IRegex(Lookup):
    """``lhs ~* rhs``, PostgreSQL's case-insensitive match of a regular expression, which
    its trigram index answers (Django's ``iregex`` is the same operator, but wants the
    pattern as a field lookup on a model field; this takes any expression)."""

    lookup_name = "search_iregex"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ~* {rhs}", [*lhs_params, *rhs_params]


def _regex_escaped(word: str) -> str:
    """A word as a literal in PostgreSQL's regular expressions: a backslash before any
    character that is not a letter or digit is that character itself."""
    return "".join(char if char.isalnum() else "\\" + char for char in word)


@contextmanager
def index_first():
    """Run the statements inside with PostgreSQL's trigram index, not a scan of every
    text: its planner guesses a common word's share of documents too high and reads all
    100,000 texts (600 ms) where the index hands it the 10,000 that hold the word (65 ms,
    ``bench/search.py``). The setting is put back before the block's transaction ends, so
    that an enclosing transaction (a tag job's) plans as usual afterwards."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        (before, _) = cursor.fetchone()
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


class RegexpCount(Func):
    """How many times a case-insensitive PostgreSQL expression matches (PostgreSQL 15+)."""

    function = "regexp_count"
    output_field = IntegerField()


def counted(documents: QuerySet, q: str) -> QuerySet | None:
    """PostgreSQL: ``(id, hits)`` of the documents holding the phrase, counted in the
    database (reading 10,000 texts into Python costs several times what counting them
    there does); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    hits = RegexpCount(F("text"), Value(postgresql_pattern(q)), Value(1), Value("i"))
    return narrow(documents, q).annotate(hits=hits).filter(hits__gt=0).values_list("pk", "hits")


def narrow(documents: QuerySet, q: str) -> QuerySet:
    """The documents among ``documents`` that may hold the phrase: a superset of those
    that do, found through the search index."""
    words = phrase_words(q)
    if connection.vendor == "postgresql":
        # Words in order, anything between them (the phrase's whitespace may be any run),
        # as a regular expression: the trigram index serves it, and checking a text
        # against it costs half what ``ILIKE`` does.
        pattern = ".*".join(_regex_escaped(word) for word in words)
        return documents.filter(IRegex(F("text"), Value(pattern)))
    if connection.vendor == "sqlite":
        looked_up = [word for word in words if len(word) >= 3]
        if not looked_up:
            return documents
        match = " AND ".join('"' + word.replace('"', '""') + '"' for word in looked_up)
        return documents.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM corpus_document_fts WHERE corpus_document_fts MATCH %s",
                [match],
            )
        )
    return documents


# Shortest text a trigram index can look up.
TRIGRAM = 3


def containing(documents: QuerySet, q: str) -> QuerySet:
    """The documents whose title or text contains ``q`` as it is (a substring, any case):
    the documents table's search, asked of the search indexes rather than by reading every
    text (``icontains`` read all 100,000, 0.8–1.6 s). PostgreSQL: ``~*`` with ``q`` as a
    literal, which the trigram indexes on the title and the text serve; SQLite: the FTS5
    trigram tables narrow (``q`` of three characters or more), ``LIKE`` decides."""
    if connection.vendor == "postgresql":
        pattern = Value(_regex_escaped(q))
        return documents.filter(IRegex(F("title"), pattern) | IRegex(F("text"), pattern))
    exact = documents.filter(Q(title__icontains=q) | Q(text__icontains=q))
    if connection.vendor != "sqlite" or len(q) < TRIGRAM:
        return exact
    match = '"' + q.replace('"', '""') + '"'
    found = [
        Q(pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match]))
        for table in ("corpus_document_fts", "corpus_document_title_fts")
    ]
    return exact.filter(found[0] | found[1])
