"""The default scorecard (星级评定标准) and acceptance figures, seeded for the current year.

Used by data migration 0002 (with the historical models) and by ``ensure_defaults``
after a flushed test database. Admins edit or copy it for later years.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

D = Decimal

# (dimension, type, title, max points, evidence required, indicator, mapping)
ITEMS = [
    (
        "team",
        "base",
        "按期换届，届次规范",
        6,
        False,
        "term_overdue",
        {"direction": "lower", "bands": [[0, 6], [90, 3]]},
    ),
    (
        "team",
        "base",
        "组织设置规范（支部委员、党小组配备）",
        6,
        False,
        "structure_warnings",
        {"direction": "lower", "bands": [[0, 6], [1, 3]]},
    ),
    (
        "operation",
        "base",
        "“三会一课”按要求召开",
        12,
        False,
        "meeting_compliance",
        {"direction": "higher", "bands": [[100, 12], [90, 10], [80, 8], [60, 5]]},
    ),
    (
        "operation",
        "base",
        "主题党日党员出席",
        8,
        False,
        "theme_day_attendance",
        {"direction": "higher", "bands": [[90, 8], [80, 6], [60, 3]]},
    ),
    (
        "members",
        "base",
        "党费按月足额交纳",
        8,
        False,
        "dues_on_time",
        {"direction": "higher", "bands": [[100, 8], [95, 6], [90, 4]]},
    ),
    (
        "members",
        "base",
        "发展党员工作规范有序",
        6,
        False,
        "development",
        {"direction": "higher", "bands": [[2, 6], [1, 4]]},
    ),
    ("life", "base", "组织生活会、民主评议党员按期开展，记录完整", 10, True, "", {}),
    ("support", "base", "活动阵地、经费保障，“三本五盒”台账齐全", 8, True, "", {}),
    ("role", "base", "党员先锋模范作用发挥，服务群众成效明显", 6, False, "", {}),
    ("role", "bonus", "获得上级党组织表彰或经验被推广", 5, True, "", {}),
    ("role", "bonus", "打造特色工作品牌", 5, True, "", {}),
    (
        "team",
        "penalty",
        "整改事项未按期销号",
        10,
        False,
        "open_rectification",
        {"direction": "higher", "bands": [[3, 10], [1, 5]]},
    ),
    ("members", "penalty", "党员发生违纪违法问题", 10, False, "", {}),
    ("team", "appraisal", "书记抓党建述职评议", 20, False, "", {}),
]

THRESHOLDS = {5: 90, 4: 80, 3: 70, 2: 60, 1: 0}

VETOES = [
    ("弄虚作假、伪造组织生活记录", 2),
    ("班子不团结、严重影响工作开展", 2),
    ("支部党员受到党纪处分", 3),
]


def seed(RatingTemplate, TemplateItem, StarThreshold, VetoItem, AcceptancePolicy, *, year: int | None = None):
    """The default template for ``year`` (the current year), active, unless the year has one."""
    year = year or timezone.localdate().year
    AcceptancePolicy.objects.get_or_create(year=year)
    if RatingTemplate.objects.filter(year=year).exists():
        return None
    template = RatingTemplate.objects.create(
        year=year, name="党支部星级评定标准（默认）", status="active", note="按六个维度评分，满分100分。"
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            dimension=dimension,
            item_type=item_type,
            title=title,
            max_points=D(points),
            evidence_required=evidence,
            indicator=indicator,
            mapping=mapping,
            order=order,
        )
        for order, (dimension, item_type, title, points, evidence, indicator, mapping) in enumerate(ITEMS, 1)
    )
    StarThreshold.objects.bulk_create(
        StarThreshold(template=template, stars=stars, min_score=D(floor))
        for stars, floor in THRESHOLDS.items()
    )
    VetoItem.objects.bulk_create(VetoItem(template=template, title=t, max_stars=m) for t, m in VETOES)
    return template


def ensure_defaults(year: int | None = None):
    from .models import AcceptancePolicy, RatingTemplate, StarThreshold, TemplateItem, VetoItem

    return seed(RatingTemplate, TemplateItem, StarThreshold, VetoItem, AcceptancePolicy, year=year)
