"""The database router: the primary for everything, the read replica for reads that ask for it.

Off by default: without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and every
query goes to ``default``. With one, reads go to the replica only inside
``config.replica.reads_from_replica()`` (the dashboards, the ledger builds) and only when
no transaction is open on the primary — a transaction must see its own writes. Writes and
migrations always go to the primary; the replica receives them through PostgreSQL's
streaming replication, never from Django.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from .replica import REPLICA, replica_reads_for


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            replica_reads_for(model)
            and REPLICA in connections.settings
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        """Rows read from the replica are the primary's rows: they may point at each other."""
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
