"""Database helpers shared by every app's selectors."""

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

# ICU collation that orders Chinese by pinyin (PostgreSQL built with ICU, as Debian's is).
PINYIN_COLLATION = "zh-x-icu"


def pinyin(field: str):
    """Order by ``field`` in pinyin on PostgreSQL; in code-point order elsewhere (SQLite in development)."""
    if connection.vendor == "postgresql":
        return Collate(F(field), PINYIN_COLLATION)
    return F(field)
