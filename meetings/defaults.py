"""The national defaults of DOMAIN §3 (2018 支部工作条例): meeting kinds and requirements.

Written by the data migration 0002 and, when a test database was flushed (transactional tests), again by
``ensure_defaults``. Admins change them afterwards; ``ensure_defaults`` never overwrites existing rows.
Migration 0002 imports ``seed``: a later change of these national defaults belongs in a new data
migration, not in an edit of the lists below.
"""

BASIS = "《中国共产党支部工作条例（试行）》（2018）"

KINDS = [
    # code, name, order, has_lecturer, allows_votes, for_groups
    ("general", "支部党员大会", 1, False, True, False),
    ("committee", "支部委员会会议", 2, False, False, False),
    ("group", "党小组会", 3, False, False, True),
    ("lecture", "党课", 4, True, False, False),
    ("theme_day", "主题党日", 5, False, False, False),
    ("life", "组织生活会", 6, False, False, False),
    ("appraisal", "民主评议党员", 7, False, False, False),
    ("talk", "谈心谈话", 8, False, False, False),
]

BRANCH_RULES = [
    # kind, period, min_count, min_attendance, condition, usual_months
    ("general", "quarter", 1, None, "", ""),
    ("committee", "month", 1, None, "has_committee", ""),
    ("group", "month", 1, None, "per_group", ""),
    ("lecture", "quarter", 1, None, "", ""),
    ("theme_day", "month", 1, 80, "", ""),
    ("life", "year", 1, None, "", "10,11,12"),
    ("appraisal", "year", 1, None, "", "10,11,12"),
    ("talk", "year", 1, None, "per_member", ""),
]

OTHER_RULES = [
    ("general_branch", "general", "year", 2, "党总支党员大会每年至少召开2次"),
    ("committee", "general", "year", 1, "基层党委党员大会每年至少召开1次"),
]


def seed(MeetingKind, Requirement) -> None:  # noqa: N803 - model classes, historical or current
    """Write the defaults (update_or_create: running twice changes nothing)."""
    kinds = {}
    for code, name, order, lecturer, votes, groups in KINDS:
        kinds[code], _ = MeetingKind.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order,
                "has_lecturer": lecturer,
                "allows_votes": votes,
                "for_groups": groups,
            },
        )
    order = 0
    for org_kind in ("branch", "joint_branch"):
        for code, period, count, attendance, condition, usual in BRANCH_RULES:
            order += 1
            Requirement.objects.update_or_create(
                kind=kinds[code],
                org_kind=org_kind,
                defaults={
                    "period": period,
                    "min_count": count,
                    "min_attendance": attendance,
                    "condition": condition,
                    "usual_months": usual,
                    "basis": BASIS,
                    "order": order,
                },
            )
    for org_kind, code, period, count, note in OTHER_RULES:
        order += 1
        Requirement.objects.update_or_create(
            kind=kinds[code],
            org_kind=org_kind,
            defaults={"period": period, "min_count": count, "basis": f"{BASIS}；{note}", "order": order},
        )


def ensure_defaults() -> bool:
    """Seed the defaults if the tables are empty (a flushed test database); returns whether it did."""
    from .models import MeetingKind, Requirement

    if MeetingKind.objects.exists():
        return False
    seed(MeetingKind, Requirement)
    return True
