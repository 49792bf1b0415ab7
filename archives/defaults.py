"""The 三本五盒 defaults (DOMAIN §6 [001]): three books and five boxes, seeded by migration 0002."""

from __future__ import annotations

# (code, name, kind, what goes in)
CATEGORIES = [
    ("roster-book", "党员花名册", "book", "党员基本信息登记，组织关系转入转出后及时更新"),
    ("meeting-book", "会议记录本", "book", "“三会一课”、主题党日、组织生活会等会议记录"),
    ("dues-book", "党费收缴登记簿", "book", "按月登记党员交纳党费情况及上缴凭证"),
    ("higher-docs", "上级文件盒", "box", "上级党组织下发的文件、通知"),
    ("own-docs", "支部文件盒", "box", "本支部制定的计划、总结、制度、请示报告"),
    ("meeting-docs", "三会一课材料盒", "box", "会议签到表、照片、党课讲稿、学习材料"),
    ("development-docs", "发展党员材料盒", "box", "入党申请书、考察材料、政审材料、公示材料"),
    ("dues-assessment-docs", "党费和考评材料盒", "box", "党费收缴凭证、星级评定和达标验收材料"),
]


def ensure_defaults(DocumentCategory=None) -> int:  # noqa: N803 - the migration passes its historical model
    """Create the default categories that are missing (after a flushed test database); returns how many."""
    if DocumentCategory is None:
        from .models import DocumentCategory
    created = 0
    for order, (code, name, kind, description) in enumerate(CATEGORIES, 1):
        _obj, made = DocumentCategory.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "description": description, "order": order * 10}
        )
        created += made
    return created
