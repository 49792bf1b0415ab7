"""python manage.py sweep_ledgers: what beat runs every five minutes, for operators and cron without beat.

Ledgers whose job stopped (no sign of life for LEDGER_STALE_MINUTES) are queued again once or failed
with the reason; see archives/services/sweeper.py.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from archives.services.sweeper import sweep_stale_ledgers


class Command(BaseCommand):
    help = "Settle ledgers whose job stopped: queue each again once, or mark it failed with the reason."

    def handle(self, *args, **options):
        swept = sweep_stale_ledgers()
        self.stdout.write(f"重新排队 {len(swept.requeued)} 份，标记失败 {len(swept.failed)} 份。")
        for label, ids in (("requeued", swept.requeued), ("failed", swept.failed)):
            if ids:
                self.stdout.write(f"{label}: {', '.join(map(str, ids))}")
