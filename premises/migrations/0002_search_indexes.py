"""PostgreSQL only: the address search's indexes. SQLite (the embedded demo) searches a small
register with LIKE and skips all of this.

- An inverted (GIN) index over each premises' search words, as a tsvector built from the words
  themselves (no text-search parser: "2/1" and "21a" stay whole). A query is an AND of ORs of
  words; GIN answers it from the rarest word's postings. Measured at 1,000,000 premises
  (tests/perf/test_premises_search.py). Trigram GIN over the whole address was not used: the
  trigrams every address shares ("ane", "roa", "lee") have posting lists as long as the table,
  which is why the intelligence matcher moved to blocking keys (intelligence migration 0003).
- A trigram index on the vocabulary (tens of thousands of words) to find typo candidates, and a
  pattern index for completing a half-typed word. The trigram index is on `lower(word)` (words
  are lower case already) so that looking words up by equality keeps to the primary key: on the
  bare column the planner chose the trigram index for `word IN (...)`, at 9 ms a search. It
  holds only words of letters (typos are corrected in words, never in numbers or postcodes),
  which keeps it a few thousand words at any size of register.
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS premises_search_words_idx ON premises_premises
    USING gin (array_to_tsvector(string_to_array(search_text, ' ')));
CREATE INDEX IF NOT EXISTS premises_searchword_trgm_idx ON premises_searchword
    USING gin (lower(word) gin_trgm_ops) WHERE word ~ '^[a-z]+$';
CREATE INDEX IF NOT EXISTS premises_searchword_prefix_idx ON premises_searchword
    (word varchar_pattern_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS premises_searchword_prefix_idx;
DROP INDEX IF EXISTS premises_searchword_trgm_idx;
DROP INDEX IF EXISTS premises_search_words_idx;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("premises", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
