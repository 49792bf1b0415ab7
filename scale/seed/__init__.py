"""Province-sized seeded data for the benchmarks (issue 8): ``python manage.py seed_scale``.

One module a responsibility: ``tree`` (organisations and paths), ``people`` (members),
``terms`` (届次 and committees), ``meetings`` (meetings, attendance), ``life`` (talks,
appraisals), ``dues``, ``assessment`` (ratings, acceptance), ``direct`` (compliance rows
without meetings), ``users`` (benchmark accounts), ``copy`` (COPY / bulk_create),
``summary`` (the SEED_SCALE line), ``runner`` (the steps in order).
"""

from .context import SeedOptions, SeedRefused
from .runner import run
from .summary import Summary

__all__ = ["SeedOptions", "SeedRefused", "Summary", "run"]
