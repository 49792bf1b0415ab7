"""The annual ledger: a subtree's .xlsx (time, openpyxl's own time, peak memory) and one branch's PDF.

The measuring is ``archives/management/commands/ledger_bench.py``'s own ``--measure`` mode, run
in a fresh process so that its peak memory (VmHWM) is the export's and not the bench's; this
module only picks the subtree and turns the figures into rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

from django.conf import settings
from django.db.models import Count

from branches.models import PATH_STEP, Organisation
from members.models import Member

from .rows import LEDGER, Row

TARGET_MEMBERS = 10_000


class LedgerError(RuntimeError):
    pass


def subtree_near(root: Organisation, members: int = TARGET_MEMBERS) -> tuple[Organisation, int]:
    """The organisation above the branches whose subtree has the party-member count nearest ``members``."""
    per_branch = (
        Member.objects.party_members()
        .filter(organisation__path__startswith=root.path)
        .values("organisation__path")
        .annotate(n=Count("pk"))
        .values_list("organisation__path", "n")
    )
    totals: Counter[str] = Counter()
    for path, n in per_branch:
        for end in range(len(root.path), len(path), PATH_STEP):
            totals[path[:end]] += n
    if not totals:
        raise LedgerError(f"{root.name} 下没有党员，无法测量台账")
    best = min(totals, key=lambda path: (abs(totals[path] - members), len(path)))
    return Organisation.objects.get(path=best), totals[best]


def measure(root: Organisation, year: int) -> dict:
    """``ledger_bench --measure`` in a child process: its JSON line of figures."""
    command = [sys.executable, "manage.py", "ledger_bench", "--measure", "--root", str(root.pk)]
    command += ["--year", str(year)]
    done = subprocess.run(  # noqa: S603 - our own manage.py with our arguments
        command, capture_output=True, text=True, env=os.environ.copy(), cwd=settings.BASE_DIR, check=False
    )
    if done.returncode:
        raise LedgerError(f"ledger_bench 失败：{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def rows(root: Organisation, year: int) -> list[Row]:
    subtree, members = subtree_near(root)
    f = measure(subtree, year)
    xlsx = Row(
        name=f"年度台账 .xlsx（{subtree.name}，{members:,} 名党员，{f['branches']:,} 个支部）",
        runs=1,
        median_ms=f["export_s"] * 1000,
        target=LEDGER,
        note=(
            f"openpyxl 单独写入同样的行 {f['openpyxl_s']:.1f} s，比值 {f['ratio']:.2f}；"
            f"峰值内存 {f['export_rss_mb']:.0f} MB（进程启动时 {f['start_rss_mb']:.0f} MB）；"
            f"{f['total_rows']:,} 行，{f['size_mb']:.1f} MB"
        ),
        figures={"ratio": f["ratio"], "peak_mb": f["export_rss_mb"], "openpyxl_s": f["openpyxl_s"]},
    )
    result = [xlsx]
    if "pdf_s" in f:
        result.append(
            Row(
                name=f"支部 PDF 台账（{f['pdf_members']} 名党员，{f['pdf_meetings']} 次会议）",
                runs=1,
                median_ms=f["pdf_s"] * 1000,
                note=f"{f['pdf_branch']}，{f['pdf_kb']:.0f} KB",
            )
        )
    return result
