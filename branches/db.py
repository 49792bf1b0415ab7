"""Database helpers shared by every app's selectors."""

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Collate

from .models import PATH_ALPHABET

# ICU collation that orders Chinese by pinyin (PostgreSQL built with ICU, as Debian's is).
PINYIN_COLLATION = "zh-x-icu"


def pinyin(field: str):
    """Order by ``field`` in pinyin on PostgreSQL; in code-point order elsewhere (SQLite in development)."""
    if connection.vendor == "postgresql":
        return Collate(F(field), PINYIN_COLLATION)
    return F(field)


def path_range(field: str, path: str) -> Q:
    """``field`` starts with ``path``, written as a range so that a plain B-tree index serves it.

    ``LIKE 'prefix%'`` uses an index only with the C collation on PostgreSQL (or a
    ``varchar_pattern_ops`` index, which the copies of the path on compliance rows, ratings, cases
    and acceptances do not have) and never on SQLite, where LIKE ignores case. Paths are made
    of PATH_ALPHABET (digits, then capitals), so every path below ``path`` sorts between it and
    the next prefix of the same length or shorter.
    """
    q = Q(**{f"{field}__gte": path})
    chars = list(path)
    for i in range(len(chars) - 1, -1, -1):
        pos = PATH_ALPHABET.find(chars[i])
        if 0 <= pos < len(PATH_ALPHABET) - 1:
            return q & Q(**{f"{field}__lt": "".join(chars[:i]) + PATH_ALPHABET[pos + 1]})
    return Q(**{f"{field}__startswith": path})
