"""``manage.py seed_scale``: the tree, the rows and the accounts it writes, its refusals, its determinism.

One small seed (24 branches × 6 members × 2 years) is written once for the module inside a
transaction that is rolled back at the end; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from assessment.models import Rating
from branches.models import PATH_STEP, Grant, Organisation, OrgKind, OrgStatus, Role
from branches.rules import BRANCH_KINDS
from meetings import compliance
from meetings import rules as meeting_rules
from meetings.models import Attendance, ComplianceRecord, ComplianceStatus, Meeting, MeetingStatus, Presence
from members.models import PARTY_STAGES, DuesPayment, Member
from scale.seed import Summary
from scale.seed.paths import encode_step
from scale.seed.tree import split

N, M, YEARS = 24, 6, 2
PASSWORD = "bench-pass-123"


class Rollback(Exception):
    pass


def seed(*args: str) -> tuple[dict, str]:
    out = StringIO()
    call_command("seed_scale", *args, stdout=out)
    text = out.getvalue()
    return Summary.parse(text), text


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The module's seed; everything it wrote is rolled back after the module's tests."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                payload, text = seed(
                    "--branches", str(N), "--members-per-branch", str(M), "--years", str(YEARS)
                )
                yield payload | {"output": text}
                raise Rollback
        except Rollback:
            pass


@pytest.fixture
def root(seeded, db):
    return Organisation.objects.get(pk=seeded["root_pk"])


def _tree(root):
    return Organisation.objects.filter(path__startswith=root.path)


def table_counts(root) -> dict[str, int]:
    path = root.path
    return {
        "organisations": _tree(root).count(),
        "branches": _tree(root).filter(kind__in=BRANCH_KINDS).count(),
        "groups": _tree(root).filter(kind=OrgKind.PARTY_GROUP).count(),
        "members": Member.objects.filter(organisation__path__startswith=path).count(),
        "meetings": Meeting.objects.filter(branch__path__startswith=path).count(),
        "attendance": Attendance.objects.filter(meeting__branch__path__startswith=path).count(),
        "dues": DuesPayment.objects.filter(member__organisation__path__startswith=path).count(),
        "compliance": ComplianceRecord.objects.filter(org_path__startswith=path).count(),
        "ratings": Rating.objects.filter(org_path__startswith=path).count(),
    }


def test_the_tree_has_every_level_with_the_paths_the_service_would_give(root):
    nodes = {o.pk: o for o in _tree(root)}
    assert root.parent_id is None and root.code == f"SCALE-{N}" and root.name == f"省级性能测试（{N}个支部）"
    levels = Counter((o.depth - root.depth, o.kind) for o in nodes.values())
    assert set(levels) >= {
        (0, OrgKind.COMMITTEE),  # province
        (1, OrgKind.COMMITTEE),  # cities
        (2, OrgKind.COMMITTEE),  # counties
        (3, OrgKind.COMMITTEE),  # 基层党委
        (4, OrgKind.BRANCH),
        (5, OrgKind.PARTY_GROUP),
    }
    assert {kind for depth, kind in levels if depth == 4} <= set(BRANCH_KINDS)
    assert sum(n for (depth, kind), n in levels.items() if kind in BRANCH_KINDS) == N
    for org in nodes.values():
        if org.pk == root.pk:
            continue
        parent = nodes[org.parent_id]
        assert org.path[:-PATH_STEP] == parent.path and len(org.path) == len(parent.path) + PATH_STEP
        assert org.depth == parent.depth + 1
    siblings = Counter(o.parent_id for o in nodes.values())
    for parent_id, count in siblings.items():
        if parent_id in nodes:  # numbered 1…n under each parent, as organisation_create numbers them
            steps = sorted(o.path[-PATH_STEP:] for o in nodes.values() if o.parent_id == parent_id)
            assert steps == [encode_step(k) for k in range(1, count + 1)]
    assert len({o.code for o in nodes.values()}) == len(nodes)


def test_the_counts_printed_are_the_rows_in_the_tables(seeded, root):
    printed = seeded["counts"]
    assert {key: printed[key] for key in table_counts(root)} == table_counts(root)
    assert printed["meetings"] > 0 and printed["attendance"] > printed["meetings"] and printed["dues"] > 0
    assert seeded["years"] == list(
        range(timezone.localdate().year - YEARS + 1, timezone.localdate().year + 1)
    )
    assert set(seeded["seconds"]) >= {"tree", "members", "meetings", "dues", "compliance", "rollups"}
    assert "组织树" in seeded["output"] and "党费" in seeded["output"]


def test_the_bench_branch_is_the_first_of_the_first_county_with_fifty_party_members(seeded, root):
    county = Organisation.objects.get(pk=seeded["county_pk"])
    assert county.depth == root.depth + 2
    assert county == _tree(root).filter(depth=root.depth + 2).order_by("path").first()
    bench = Organisation.objects.get(pk=seeded["bench_branch_pk"])
    first = _tree(county).filter(kind__in=BRANCH_KINDS).order_by("path").first()
    assert bench == first and bench.kind == OrgKind.BRANCH and bench.status == OrgStatus.ACTIVE
    assert Member.objects.party_members().filter(organisation=bench).count() >= 50


def test_every_meeting_has_an_attendance_row_for_each_expected_member(seeded, root):
    meetings = Meeting.objects.filter(branch__path__startswith=root.path).annotate(
        rows=Count("attendances"),
        present=Count("attendances", filter=Q(attendances__presence=Presence.PRESENT)),
    )
    assert meetings.exclude(rows=F("expected_count")).count() == 0
    assert meetings.exclude(present=F("present_count")).count() == 0
    assert meetings.filter(expected_count=0).count() == 0
    # Attendance only of party members of the meeting's branch.
    assert (
        not Attendance.objects.filter(meeting__branch__path__startswith=root.path)
        .exclude(member__stage__in=PARTY_STAGES)
        .exists()
    )
    presences = Counter(
        Attendance.objects.filter(meeting__branch__path__startswith=root.path).values_list(
            "presence", flat=True
        )
    )
    assert presences[Presence.PRESENT] > presences[Presence.LEAVE] > 0 and presences[Presence.ABSENT] > 0


def test_meetings_count_and_nothing_is_dated_after_today(seeded, root):
    today = timezone.localdate()
    meetings = Meeting.objects.filter(branch__path__startswith=root.path)
    assert meetings.counted().count() > 0.9 * meetings.count()
    assert set(meetings.values_list("status", flat=True)) <= {
        MeetingStatus.SUBMITTED, MeetingStatus.DRAFT, MeetingStatus.RETURNED
    }  # fmt: skip
    assert not meetings.filter(starts_at__gte=meeting_rules.local_start(today)).exists()
    assert not meetings.counted().filter(submitted_at__isnull=True).exists()
    dues = DuesPayment.objects.filter(member__organisation__path__startswith=root.path)
    assert not dues.filter(paid_on__gt=today).exists()
    assert not dues.filter(month__gt=today).exists()
    assert dues.filter(paid_on__isnull=False).count() > 0.8 * dues.count()


def test_compliance_exists_for_every_active_branch_and_is_not_all_met(seeded, root):
    year = timezone.localdate().year
    active = _tree(root).filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
    covered = set(
        ComplianceRecord.objects.filter(organisation__in=active, year=year).values_list(
            "organisation_id", flat=True
        )
    )
    assert covered == set(active.values_list("pk", flat=True))
    statuses = Counter(
        ComplianceRecord.objects.filter(org_path__startswith=root.path, year=year - 1).values_list(
            "status", flat=True
        )
    )
    assert statuses[ComplianceStatus.MET] > statuses[ComplianceStatus.SHORT] > 0


def test_the_accounts_log_in_with_their_grants(seeded, root, client):
    grants = {
        (g.user.username, g.organisation_id, g.role)
        for g in Grant.objects.filter(user__username__startswith="scale_").select_related("user")
    }
    assert grants == {
        ("scale_root", root.pk, Role.REVIEWER),
        ("scale_county", seeded["county_pk"], Role.REVIEWER),
        ("scale_secretary", seeded["bench_branch_pk"], Role.SECRETARY),
        ("scale_admin", root.pk, Role.ADMIN),
    }
    for username in ("scale_root", "scale_county", "scale_secretary", "scale_admin"):
        assert client.login(username=username, password=PASSWORD), username
        client.logout()
    assert Member.objects.get(user__username="scale_secretary").organisation_id == seeded["bench_branch_pk"]


def test_a_second_tree_adds_its_grants_and_keeps_the_first_trees(seeded, root):
    payload, _ = seed("--branches", "5", "--members-per-branch", "4", "--years", "1")
    assert payload["root_pk"] != root.pk
    reviewed = set(
        Grant.objects.filter(user__username="scale_root").values_list("organisation_id", flat=True)
    )
    assert reviewed == {root.pk, payload["root_pk"]}
    benches = set(
        Grant.objects.filter(user__username="scale_secretary").values_list("organisation_id", flat=True)
    )
    assert benches == {seeded["bench_branch_pk"], payload["bench_branch_pk"]}
    assert Member.objects.get(user__username="scale_secretary").organisation_id == payload["bench_branch_pk"]
    # The two trees' ID numbers do not collide (each takes province digits nobody uses yet).
    assert Member.objects.exclude(id_number="").values("id_number").distinct().count() == (
        Member.objects.exclude(id_number="").count()
    )


def test_a_second_run_with_the_same_number_is_refused_and_writes_nothing(seeded, root):
    before = table_counts(root) | {
        "all_organisations": Organisation.objects.count(),
        "members": Member.objects.count(),
    }
    with pytest.raises(CommandError, match=f"已存在代码为 SCALE-{N} 的根组织"):
        seed("--branches", str(N), "--members-per-branch", "3", "--years", "1")
    after = table_counts(root) | {
        "all_organisations": Organisation.objects.count(),
        "members": Member.objects.count(),
    }
    assert after == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--branches", "0", "--members-per-branch", "5"), "支部数"),
        (("--branches", "3", "--members-per-branch", "0"), "每个支部的人数"),
        (("--branches", "3", "--members-per-branch", "5", "--years", "0"), "年数"),
        (("--branches", "3", "--members-per-branch", "5", "--years", "11"), "年数"),
    ],
)
def test_bad_arguments_are_refused(db, args, message):
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match=message):
        seed(*args)
    assert Organisation.objects.count() == before


def test_direct_mode_writes_compliance_and_ratings_but_no_meetings(db):
    payload, _ = seed(
        "--branches", "30", "--members-per-branch", "8", "--years", "2", "--direct", "--seed", "3"
    )
    root = Organisation.objects.get(pk=payload["root_pk"])
    counts = table_counts(root)
    assert counts["meetings"] == counts["attendance"] == counts["dues"] == 0
    assert counts["compliance"] == payload["counts"]["compliance"] > 0
    assert counts["ratings"] == payload["counts"]["ratings"] > 0
    assert counts["members"] == payload["counts"]["members"] > 0
    active = _tree(root).filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
    year = timezone.localdate().year
    assert set(
        ComplianceRecord.objects.filter(organisation__in=active, year=year).values_list(
            "organisation_id", flat=True
        )
    ) == set(active.values_list("pk", flat=True))
    # One row per organisation, requirement and period, as meetings.compliance stores them.
    rows = ComplianceRecord.objects.filter(org_path__startswith=root.path)
    assert rows.values("organisation", "requirement", "period_start").distinct().count() == rows.count()
    assert (
        rows.filter(status=ComplianceStatus.SHORT).exists()
        and rows.filter(status=ComplianceStatus.MET).exists()
    )
    assert Member.objects.party_members().filter(organisation_id=payload["bench_branch_pk"]).count() >= 50


def test_direct_rows_match_what_the_refresh_computes_from_the_structure(db):
    """Same rows (organisation, requirement, period), same 不适用 verdicts and the same 应 counts
    for talks and groups as meetings.compliance computes; only held/met differ (no meetings)."""
    payload, _ = seed(
        "--branches", "40", "--members-per-branch", "9", "--years", "1", "--direct", "--seed", "5"
    )
    root = Organisation.objects.get(pk=payload["root_pk"])
    year = timezone.localdate().year

    def rows():
        return {
            (r.organisation_id, r.requirement_id, r.period_start): (
                r.status,
                r.note,
                r.expected,
                r.period_end,
                code,
            )
            for r in ComplianceRecord.objects.filter(
                org_path__startswith=root.path, year=year
            ).select_related("requirement__kind")
            for code in [r.requirement.kind.code]
        }

    direct = rows()
    ids = _tree(root).exclude(kind=OrgKind.PARTY_GROUP).values_list("pk", flat=True)
    compliance.refresh(list(ids), year)
    computed = rows()
    assert direct.keys() == computed.keys()
    for key, (status, note, expected, end, code) in direct.items():
        if status == ComplianceStatus.NOT_APPLICABLE or computed[key][0] == ComplianceStatus.NOT_APPLICABLE:
            assert computed[key][:2] == (status, note), key
        elif code in ("talk", "group"):
            assert computed[key][2] == expected, key
        assert computed[key][3] == end


def _fingerprint(root_pk: int) -> dict:
    root = Organisation.objects.get(pk=root_pk)
    path = root.path
    return {
        "orgs": list(
            _tree(root).order_by("path").values_list("path", "name", "kind", "sector", "status", "code")
        ),
        "members": list(
            Member.objects.filter(organisation__path__startswith=path)
            .order_by("organisation__path", "name", "birth_date", "id_number")
            .values_list(
                "organisation__path",
                "name",
                "stage",
                "status",
                "birth_date",
                "id_number",
                "party_group__path",
            )
        ),
        "meetings": list(
            Meeting.objects.filter(branch__path__startswith=path)
            .order_by("organisation__path", "starts_at", "kind__code")
            .values_list(
                "organisation__path",
                "kind__code",
                "starts_at",
                "status",
                "present_count",
                "expected_count",
                "topic",
                "host",
                "recorder",
                "lecturer",
                "minutes",
            )
        ),
        "dues": DuesPayment.objects.filter(member__organisation__path__startswith=path).aggregate(
            n=Count("pk"), paid=Sum("amount_paid")
        ),
        "compliance": sorted(
            ComplianceRecord.objects.filter(org_path__startswith=path).values_list(
                "org_path", "requirement__kind__code", "period_start", "status", "held"
            )
        ),
    }


def _seed_and_roll_back(*args: str) -> dict:
    try:
        with transaction.atomic():
            payload, _ = seed(*args)
            found = _fingerprint(payload["root_pk"])
            raise Rollback
    except Rollback:
        return found


def test_the_same_seed_makes_the_same_data(db):
    args = ("--branches", "8", "--members-per-branch", "5", "--years", "1")
    first = _seed_and_roll_back(*args, "--seed", "7")
    again = _seed_and_roll_back(*args, "--seed", "7")
    other = _seed_and_roll_back(*args, "--seed", "8")
    assert first == again
    assert first["members"] != other["members"]


def test_split_shares_sum_to_the_total_and_none_is_empty():
    import random

    rng = random.Random(1)
    for total, parts in [(1, 1), (2, 5), (24, 2), (10_000, 10), (100_000, 16), (7, 7)]:
        shares = split(total, parts, rng)
        assert sum(shares) == total and min(shares) >= 1 and len(shares) == min(parts, total)


def test_dates_are_in_asia_shanghai(seeded, root):
    # A meeting's day is its day in Shanghai: none falls on the day after another one's late evening.
    meeting = Meeting.objects.filter(branch__path__startswith=root.path).order_by("starts_at").first()
    assert meeting.starts_at.astimezone(meeting_rules.LOCAL_TZ).hour in {9, 14, 15, 19}
    assert meeting_rules.local_day(meeting.starts_at) >= dt.date(timezone.localdate().year - YEARS + 1, 1, 1)
