"""Celery tasks of roster imports: take the import's id, call the service, report progress.

Both are idempotent: the service acts only on an import in the matching phase, under a
row lock, so a redelivered or doubled task finds the work done and returns.
"""

from celery import shared_task

from ..services import roster_import as service

__all__ = ["run_roster_import", "validate_roster_import"]

PROGRESS = "PROGRESS"


def _reporter(task):
    def report(step: str, done: int, total: int) -> None:
        task.update_state(state=PROGRESS, meta={"step": step, "done": done, "total": total})

    return report


@shared_task(bind=True)
def validate_roster_import(self, roster_import_id: int) -> str:
    """Check a large uploaded roster and store the report and preview."""
    return service.roster_import_validate(roster_import_id=roster_import_id, progress=_reporter(self)).status


@shared_task(bind=True)
def run_roster_import(self, roster_import_id: int) -> str:
    """Write a confirmed large roster, all rows or none."""
    return service.roster_import_run(roster_import_id=roster_import_id, progress=_reporter(self)).status
