"""Demo archives: ledgers of 东风村党支部 (XQ0101) and its town committee, and the document boxes.

Built through the services, so the files are real: with Celery eager (``make run``) each
request builds its file before the next line. Running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from branches.models import Organisation

from . import demo_documents
from .defaults import ensure_defaults
from .models import LedgerFile
from .services import ledgers

BRANCH, TOWN = "XQ0101", "XQ01"


def build(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    ensure_defaults()
    documents = demo_documents.build(today)
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=[BRANCH, TOWN])}
    admin = get_user_model().objects.filter(username="admin").first()
    secretary = get_user_model().objects.filter(username=f"sec_{BRANCH.lower()}").first()
    if BRANCH not in orgs or admin is None or LedgerFile.objects.filter(organisation=orgs[BRANCH]).exists():
        return f"档案台账演示数据已存在；{documents}"
    made = []
    made += ledgers.ledger_request(
        user=secretary or admin, organisation=orgs[BRANCH], year=today.year - 1, formats=["xlsx", "pdf"]
    )
    made += ledgers.ledger_request(
        user=secretary or admin, organisation=orgs[BRANCH], year=today.year, formats=["xlsx"]
    )
    if TOWN in orgs:
        made += ledgers.ledger_request(
            user=admin, organisation=orgs[TOWN], year=today.year - 1, formats=["xlsx"]
        )
    return f"档案台账：已生成 {len(made)} 份年度台账（东风村党支部、城关镇党委）；{documents}"
