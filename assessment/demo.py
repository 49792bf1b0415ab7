"""Demo assessment: last year's star ratings at every stage, rectification, a model site, 公示, acceptance.

Walked through the rating services with the demo accounts (the branch's secretary,
its committee's reviewer, the county's reviewer), so the events, 公示 items,
rectification cases and model sites are those the portal itself would write.
Rectification items, objections and acceptance rows are written directly.
Deterministic and idempotent: a second run finds last year's ratings and stops.

Last year (ratings by branch code):
- 东风村 XQ0101 named five stars → model site, with a passed sampling check;
- 新华村 XQ0104 and 城南社区第一 XQ010701 named four stars; 红旗村 XQ0102 and 附属医院 XQ0304 three;
- 前进村 XQ0103 and 幸福社区 XQ0108 named two stars → rectification, items open, done, verified, overdue;
- 城关镇机关 XQ0109 waits for naming; 中心小学 XQ0110 waits for the county re-check (five-star candidate);
- 发电分公司 XQ0202 re-checked, under 公示 now; 卫生院 XQ0111 (with an objection) and 个体劳动者协会
  XQ0113 under the committee's 公示 now;
- 供热分公司 XQ0203 and 燃气分公司 XQ0204 (a veto marked) with the committee; 向阳村 XQ0105 and
  离退休教职工 XQ0305 still in self-assessment.
This year: 东风村 and 绿源农业 XQ0112 have started their self-assessment. Acceptance for this year:
most of 城关镇 and the energy group accepted, a few applied or checked, one rejected, and a 5 % on-site
draw over the county with one check recorded. One 发展对象 of 新华村 is under 公示 now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from branches.models import Organisation

from . import defaults, rollups, rules
from .models import (
    Acceptance,
    AcceptanceStatus,
    CheckResult,
    ItemStatus,
    ItemType,
    Objection,
    Publicity,
    Rating,
    RectificationCase,
    RectificationItem,
    SiteCheck,
    SpotCheck,
    SpotCheckDraw,
    VetoItem,
)
from .services import ratings

# code → (target stage, target total, committee reviewer)
PLAN = {
    "XQ0101": ("named", 5, "reviewer_town"),
    "XQ0104": ("named", 4, "reviewer_town"),
    "XQ010701": ("named", 4, "reviewer_town"),
    "XQ0102": ("named", 3, "reviewer_town"),
    "XQ0304": ("named", 3, "reviewer_college"),
    "XQ0103": ("named", 2, "reviewer_town"),
    "XQ0108": ("named", 2, "reviewer_town"),
    "XQ0109": ("to_name", 4, "reviewer_town"),
    "XQ0110": ("recheck", 5, "reviewer_town"),
    "XQ0202": ("final_notice", 5, "reviewer_energy"),
    "XQ0111": ("review_notice", 4, "reviewer_town"),
    "XQ0113": ("review_notice", 3, "reviewer_town"),
    "XQ0203": ("review", 4, "reviewer_energy"),
    "XQ0204": ("review", 3, "reviewer_energy"),
    "XQ0105": ("self", 3, "reviewer_town"),
    "XQ0305": ("self", 4, "reviewer_college"),
}
ORDER = ["self", "review", "review_notice", "recheck", "final_notice", "to_name", "named"]
# Totals that land well inside each star band of the default thresholds (90/80/70/60).
TOTALS = {5: Decimal("94"), 4: Decimal("85"), 3: Decimal("75"), 2: Decimal("64")}
APPRAISAL = {5: Decimal("19"), 4: Decimal("17"), 3: Decimal("15"), 2: Decimal("12")}
COUNTY = "reviewer_county"
PDF = b"%PDF-1.4\n% demo evidence\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ACCEPTED = ["XQ0101", "XQ0102", "XQ0104", "XQ0105", "XQ0106", "XQ0109", "XQ010701", "XQ010702", "XQ0202",
            "XQ0203", "XQ0205", "XQ0206", "XQ020101", "XQ020102", "XQ0304"]  # fmt: skip
CHECKED = ["XQ0110", "XQ0113"]
APPLIED = ["XQ0111", "XQ0305"]
REJECTED = ["XQ0103"]


def _users() -> dict[str, object]:
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__startswith="reviewer_")} | {
        u.username: u for u in User.objects.filter(username__startswith="sec_")
    }


def _self_entries(rating: Rating, stars: int) -> dict[int, tuple[str, str]]:
    """Scores that add up to the plan's total: base items at one share of their maximum, no bonus or penalty
    except a bonus for the five-star branches."""
    items = list(rating.template.items.all())
    base = [i for i in items if i.item_type == ItemType.BASE]
    bonus = [i for i in items if i.item_type == ItemType.BONUS]
    base_max = sum((i.max_points for i in base), Decimal(0))
    extra = Decimal("5") if stars == 5 else Decimal("0")
    share = min(Decimal(1), (TOTALS[stars] - APPRAISAL[stars] - extra) / base_max)
    entries = {i.pk: (str(rules.cents(i.max_points * share)), "") for i in base}
    for n, item in enumerate(bonus):
        entries[item.pk] = (
            str(extra) if n == 0 and extra else "0",
            "县级表彰（演示）" if n == 0 and extra else "",
        )
    for item in items:
        if item.item_type == ItemType.PENALTY:
            entries[item.pk] = ("0", "")
    return entries


def _walk(rating: Rating, target: str, stars: int, users, *, reviewer, today: dt.date) -> Rating:
    secretary = users.get(f"sec_{rating.organisation.code.lower()}")
    county = users[COUNTY]
    goal = ORDER.index(target)
    rating = ratings.self_scores_save(
        rating=rating,
        by=secretary,
        entries=_self_entries(rating, stars),
        report="一年来支部坚持“三会一课”，党员作用发挥明显（演示述职要点）。",
    )
    if goal == 0:
        return rating
    for score in rating.scores.select_related("item").filter(item__evidence_required=True):
        if (score.self_points or 0) > 0:
            ratings.evidence_add(
                rating=rating, item=score.item, file=ContentFile(PDF, name="佐证材料.pdf"), by=secretary
            )
    rating = ratings.rating_submit(rating=rating, by=secretary, note="自评完成，请审核。")
    if goal == 1:
        if rating.organisation.code == "XQ0204":
            veto = VetoItem.objects.filter(template=rating.template, max_stars=3).first()
            ratings.veto_mark(
                rating=rating, veto=veto, note="一名党员年内受到党内警告处分（演示）。", by=reviewer
            )
        return rating
    appraisal = rating.template.items.get(item_type=ItemType.APPRAISAL)
    ratings.score_set(rating=rating, item=appraisal, points=APPRAISAL[stars], note="", by=reviewer)
    live = goal in (2, 4) and target == ORDER[goal]  # the 公示 of the rating's current stage runs now
    start = today - dt.timedelta(days=2) if target == "review_notice" else today - dt.timedelta(days=70)
    rating = ratings.review_publish(
        rating=rating, by=reviewer, starts_on=start, ends_on=start + dt.timedelta(days=6), note=""
    )
    if goal == 2:
        return rating
    rating = ratings.notice_close(rating=rating, by=reviewer, today=start + dt.timedelta(days=7))
    if rating.stage == "recheck":
        if goal == 3:
            return rating
        start = today - dt.timedelta(days=2) if live else today - dt.timedelta(days=55)
        rating = ratings.recheck_record(
            rating=rating,
            by=county,
            stars=5,
            note="县委组织部实地复核：阵地规范、台账齐全、党员群众评价好，同意五星。",
            starts_on=start,
            ends_on=start + dt.timedelta(days=6),
        )
        if target == "final_notice":
            return rating
        rating = ratings.notice_close(rating=rating, by=county, today=start + dt.timedelta(days=7))
    if goal == 5:
        return rating
    return ratings.rating_name(
        rating=rating,
        by=county,
        stars=rating.proposed_stars,
        named_on=today - dt.timedelta(days=40),
        naming_doc=f"青组发〔{today.year}〕{rating.organisation.pk}号",
    )


def _rectification(today: dt.date) -> None:
    """Items in every state for the two two-star branches."""
    plans = {
        "XQ0103": [
            ("支部委员会超期未换届", "年内完成换届选举", "王国强", -20, ItemStatus.VERIFIED),
            ("党员大会未按季度召开", "制定年度计划，每季度召开党员大会", "张志刚", 10, ItemStatus.DONE),
            ("党费收缴不及时", "逐月收缴并公示", "李秀英", -5, ItemStatus.OPEN),
        ],
        "XQ0108": [
            ("党小组会开展不经常", "各党小组每月至少召开一次党小组会", "刘桂兰", -12, ItemStatus.OPEN),
            ("活动阵地台账不全", "按“三本五盒”整理台账", "陈建军", 30, ItemStatus.OPEN),
        ],
    }
    county = get_user_model().objects.filter(username=COUNTY).first()
    now = timezone.now()
    for code, rows in plans.items():
        case = RectificationCase.objects.filter(organisation__code=code).first()
        if case is None or case.items.exists():
            continue
        RectificationItem.objects.bulk_create(
            RectificationItem(
                case=case,
                problem=problem,
                measure=measure,
                owner=owner,
                deadline=today + dt.timedelta(days=days),
                status=status,
                done_note="已完成，材料已上传。" if status != ItemStatus.OPEN else "",
                done_at=now if status != ItemStatus.OPEN else None,
                verified_by=county if status == ItemStatus.VERIFIED else None,
                verified_at=now if status == ItemStatus.VERIFIED else None,
                verify_note="经核查，整改到位，同意销号。" if status == ItemStatus.VERIFIED else "",
            )
            for problem, measure, owner, days, status in rows
        )


def _objection(today: dt.date) -> None:
    rating = Rating.objects.filter(organisation__code="XQ0111", stage="review_notice").first()
    notice = rating and rating.publicities.first()
    if notice is None or notice.objections.exists():
        return
    Objection.objects.create(
        publicity=notice,
        text="该支部去年第三季度党课记录与实际不符，建议核实。",
        name="",
        phone="",
        client=hashlib.sha256(b"demo").hexdigest(),
    )


def _acceptance(year: int, users, today: dt.date) -> None:
    if Acceptance.objects.filter(year=year).exists():
        return
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=ACCEPTED + CHECKED + APPLIED + REJECTED)}
    town, county = users["reviewer_town"], users[COUNTY]
    now = timezone.now()
    rows = []
    for codes, status in (
        (ACCEPTED, AcceptanceStatus.ACCEPTED),
        (CHECKED, AcceptanceStatus.CHECKED),
        (APPLIED, AcceptanceStatus.APPLIED),
        (REJECTED, AcceptanceStatus.REJECTED),
    ):
        for code in codes:
            org = orgs.get(code)
            if org is None:
                continue
            checked = status != AcceptanceStatus.APPLIED
            rows.append(
                Acceptance(
                    organisation=org,
                    org_path=org.path,
                    year=year,
                    status=status,
                    application="对照标准化规范化建设要求逐项自查，申请验收。",
                    applied_by=users.get(f"sec_{code.lower()}"),
                    check_note=(
                        "组织生活记录不全，党费收缴不及时，暂不通过。"
                        if status == AcceptanceStatus.REJECTED
                        else ("对照标准逐项检查，符合要求。" if checked else "")
                    ),
                    checked_by=town if checked else None,
                    checked_at=now if checked else None,
                    accept_note="同意验收达标。" if status == AcceptanceStatus.ACCEPTED else "",
                    accepted_by=county if status == AcceptanceStatus.ACCEPTED else None,
                    accepted_at=now if status == AcceptanceStatus.ACCEPTED else None,
                )
            )
    Acceptance.objects.bulk_create(rows)
    root = Organisation.objects.filter(code="XQ").first()
    accepted = Acceptance.objects.filter(
        year=year, status=AcceptanceStatus.ACCEPTED, org_path__startswith=root.path
    )
    ratio, seed = Decimal("0.050"), 20261128
    ids = dict(accepted.values_list("pk", "organisation_id"))
    draw = SpotCheckDraw.objects.create(
        organisation=root, year=year, ratio=ratio, seed=seed, population=len(ids), drawn_by=county
    )
    picked = rules.draw_sample(ids, ratio, seed)
    SpotCheck.objects.bulk_create(
        SpotCheck(
            draw=draw,
            acceptance_id=pk,
            result=CheckResult.PASS if n == 0 else CheckResult.PENDING,
            note="实地查看阵地和台账，情况属实。" if n == 0 else "",
            checked_on=today - dt.timedelta(days=3) if n == 0 else None,
            by=county if n == 0 else None,
        )
        for n, pk in enumerate(picked)
    )


def _candidate_notice(today: dt.date) -> None:
    """One 发展对象 of 新华村 under 公示 now, as the pipeline's step would have put them."""
    from members.models import Member

    from .receivers import publish_candidate

    if Publicity.objects.filter(subject="admission").exists():
        return
    person = Member.objects.filter(organisation__code="XQ0104", stage="candidate", status="active").first()
    if person is not None:
        publish_candidate(None, member=person, stage="candidate", on=today - dt.timedelta(days=1))


@transaction.atomic
def build(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    last = today.year - 1
    defaults.ensure_defaults(last)
    defaults.ensure_defaults(today.year)
    if Rating.objects.filter(year=last).exists():
        return "星级评定演示数据已存在"
    users = _users()
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=list(PLAN) + ["XQ0112"])}
    for code, (target, stars, reviewer_name) in PLAN.items():
        org = orgs.get(code)
        if org is None:
            continue
        rating = ratings.rating_start(organisation=org, year=last, today=today)
        _walk(rating, target, stars, users, reviewer=users[reviewer_name], today=today)
    for code in ("XQ0101", "XQ0112"):
        if code in orgs:
            ratings.rating_start(organisation=orgs[code], year=today.year, today=today)
    _rectification(today)
    _objection(today)
    site = Rating.objects.filter(organisation__code="XQ0101", year=last).first()
    if site is not None and hasattr(site, "site") and not site.site.checks.exists():
        SiteCheck.objects.create(
            site=site.site,
            on=today - dt.timedelta(days=10),
            result=CheckResult.PASS,
            note="抽查复核：示范作用明显，保持示范点资格。",
            by=users[COUNTY],
        )
    _acceptance(today.year, users, today)
    _candidate_notice(today)
    rollups.rebuild(today=today)  # the acceptances above were written in bulk, as a data load would
    named = Rating.objects.filter(year=last, stage="named").count()
    return f"星级评定：{last}年度 {Rating.objects.filter(year=last).count()} 个支部（已命名 {named} 个）"
