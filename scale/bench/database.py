"""The bench's PostgreSQL databases are created on first use, so ``make bench`` needs nothing beforehand."""

from __future__ import annotations


def ensure(config: dict) -> bool:
    """Create the database of a Django DATABASES entry when it is missing (PostgreSQL only).

    Connects to the server's ``postgres`` database with the same credentials; True when created.
    """
    if config["ENGINE"] != "django.db.backends.postgresql":
        return False
    import psycopg2
    from psycopg2 import sql

    params = {
        "dbname": "postgres",
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        "host": config.get("HOST"),
        "port": config.get("PORT"),
    }
    server = psycopg2.connect(**{k: v for k, v in params.items() if v})
    try:
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    finally:
        server.close()


def with_name(url: str, name: str) -> str:
    """The same server and credentials, another database (a query string is kept)."""
    head, _sep, tail = url.rpartition("/")
    _old, mark, query = tail.partition("?")
    return f"{head}/{name}{mark}{query}"
