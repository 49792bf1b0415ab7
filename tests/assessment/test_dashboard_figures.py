"""考核看板: every figure equals a brute-force recomputation in plain Python over all the rows.

Three seeds × about forty branches across three levels, with and without the sector and kind
filters, at the root and at a committee below it. The brute force reads every row of every
table (no filters in SQL) and applies DOMAIN §5's definitions with ``members.rules``.
"""

import datetime as dt
from collections import Counter, defaultdict
from fractions import Fraction

import pytest

from assessment import rollups, rules
from assessment import selectors_dashboard as dash
from assessment.models import Acceptance, Rating, RectificationItem
from branches.models import PATH_STEP, Organisation, Term
from meetings.models import ComplianceRecord, Requirement
from members import rules as member_rules
from members.models import Appointment, DuesPayment, Member
from tests.assessment.dashboard_fixture import generate
from tests.factories import UserFactory

TODAY = dt.date(2026, 11, 20)
BRANCH_KINDS = ("branch", "joint_branch")


def brute(node, year, *, sector="", kind="", today=TODAY):
    """The dashboard's figures from every row of every table, filtered and counted in Python."""
    orgs = {o.pk: o for o in Organisation.objects.all()}
    kinds = (kind,) if kind else BRANCH_KINDS

    def chosen(org):
        return (
            org.path.startswith(node.path)
            and org.kind in kinds
            and org.status == "active"
            and (not sector or org.sector == sector)
        )

    branches = {pk for pk, o in orgs.items() if chosen(o)}
    members = list(Member.objects.all())
    party = [m for m in members if m.status == "active" and m.stage in ("full", "probationary")]
    found = {
        "branches": len(branches),
        "members": sum(1 for m in party if m.organisation_id in branches),
        "sectors": Counter(orgs[pk].sector for pk in branches),
    }
    theme_req = {r.pk for r in Requirement.objects.select_related("kind") if r.kind.code == "theme_day"}
    rows = [r for r in ComplianceRecord.objects.all() if r.year == year and r.organisation_id in branches]
    met = sum(r.status == "met" for r in rows)
    short = sum(r.status == "short" for r in rows)
    found["compliance"] = rules.percent(met, met + short)
    rates = [
        r.attendance_rate for r in rows if r.requirement_id in theme_req and r.attendance_rate is not None
    ]
    found["theme_day"] = rules.percent(sum(rates), len(rates)) if rates else None

    member_org = {m.pk: m.organisation_id for m in members}
    first = today.replace(day=1)
    lines = [
        p
        for p in DuesPayment.objects.all()
        if p.month.year == year
        and p.amount_due > 0
        and (year < today.year or p.month < first)
        and member_org[p.member_id] in branches
    ]
    on_time = [
        p
        for p in lines
        if p.paid_on is not None
        and p.amount_paid >= p.amount_due
        and (p.paid_on.year, p.paid_on.month) <= (p.month.year, p.month.month)
    ]
    found["dues"] = rules.percent(len(on_time), len(lines))

    terms = [t for t in Term.objects.all() if t.status == "current" and t.expires_on < today]
    found["terms_overdue"] = sum(t.organisation_id in branches for t in terms)
    overdue_days = {t.organisation_id: (today - t.expires_on).days for t in terms}

    warnings = {pk: len(_warnings(pk, orgs, members)) for pk in branches}
    found["structure_warnings"] = sum(1 for n in warnings.values() if n > 0)

    items = [i for i in RectificationItem.objects.select_related("case") if i.status != "verified"]
    found["open_items"] = sum(i.case.organisation_id in branches for i in items)
    open_by_branch = Counter(i.case.organisation_id for i in items)

    mine = [r for r in Rating.objects.all() if r.organisation_id in branches]
    named_years = [r.year for r in mine if r.stage == "named" and r.final_stars and r.year <= year]
    stars_year = max(named_years, default=year)  # last year's stars are named this year
    found["stars_year"] = stars_year
    ratings = [r for r in mine if r.year == stars_year]
    found["stars"] = {s: sum(r.stage == "named" and r.final_stars == s for r in ratings) for s in range(1, 6)}
    found["stars_in_workflow"] = sum(r.stage != "named" for r in ratings)
    accepted = sum(
        a.year == year and a.status == "accepted" and a.organisation_id in branches
        for a in Acceptance.objects.all()
    )
    found["accepted"] = accepted
    found["acceptance"] = rules.percent(accepted, len(branches))

    width = len(node.path) + PATH_STEP
    by_child = defaultdict(lambda: [0, 0])
    by_month = defaultdict(lambda: [0, 0])
    by_branch = defaultdict(lambda: [0, 0])
    for r in rows:
        col = {"met": 0, "short": 1}.get(r.status)
        if col is None:
            continue
        if len(r.org_path) >= width:
            by_child[r.org_path[:width]][col] += 1
        by_month[r.period_end.month][col] += 1
        by_branch[r.organisation_id][col] += 1
    path_pk = {o.path: pk for pk, o in orgs.items()}
    found["children"] = sorted((path_pk[p], m, s) for p, (m, s) in by_child.items())
    found["months"] = [rules.percent(by_month[m][0], sum(by_month[m])) for m in range(1, 13)]

    ranked = sorted(
        by_branch.items(), key=lambda kv: (Fraction(kv[1][0], sum(kv[1])), -kv[1][1], orgs[kv[0]].path)
    )[:20]
    ratings_of = {r.organisation_id: r for r in sorted(mine, key=lambda r: r.year) if r.year <= year}
    weakest = []
    for pk, (m, s) in ranked:
        short_kinds = Counter(
            r.requirement.kind.name
            for r in ComplianceRecord.objects.select_related("requirement__kind").filter(organisation_id=pk)
            if r.year == year and r.status == "short"
        )
        rating = ratings_of.get(pk)
        stars = None
        if rating is not None:
            stars = rating.final_stars if rating.final_stars is not None else rating.proposed_stars
        weakest.append(
            {
                "pk": pk,
                "met": m,
                "short": s,
                "rate": rules.percent(m, m + s),
                "shortfalls": dict(short_kinds),
                "term_overdue_days": overdue_days.get(pk, 0),
                "structure_warnings": warnings.get(pk, len(_warnings(pk, orgs, members))),
                "open_items": open_by_branch.get(pk, 0),
                "stars": stars,
            }
        )
    found["weakest"] = weakest
    return found


def _warnings(pk, orgs, members):
    active = [m for m in members if m.status == "active"]
    mine = [m for m in active if m.organisation_id == pk]
    groups = [
        member_rules.GroupCounts(
            name=g.name,
            members=sum(
                1 for m in active if m.party_group_id == g.pk and m.stage in ("full", "probationary")
            ),
            full_members=sum(1 for m in active if m.party_group_id == g.pk and m.stage == "full"),
        )
        for g in orgs.values()
        if g.parent_id == pk and g.kind == "party_group" and g.status == "active"
    ]
    committee = sum(
        1
        for a in Appointment.objects.select_related("term")
        if a.term.organisation_id == pk and a.term.status == "current" and a.ended_on is None
    )
    return member_rules.structure_warnings(
        full_members=sum(1 for m in mine if m.stage == "full"),
        members=sum(1 for m in mine if m.stage in ("full", "probationary")),
        committee_size=committee,
        groups=groups,
    )


def shown(board):
    t = board.tiles
    return {
        "branches": t.branches,
        "members": t.members,
        "sectors": Counter(board.sectors),
        "compliance": t.compliance,
        "theme_day": t.theme_day,
        "dues": t.dues,
        "terms_overdue": t.terms_overdue,
        "structure_warnings": t.structure_warnings,
        "open_items": t.open_items,
        "stars": t.stars,
        "stars_year": t.stars_year,
        "stars_in_workflow": t.stars_in_workflow,
        "accepted": t.accepted,
        "acceptance": t.acceptance,
        "children": sorted((c.pk, c.met, c.short) for c in board.children),
        "months": [m.rate for m in board.months],
        "weakest": [
            {
                "pk": w.pk,
                "met": w.met,
                "short": w.short,
                "rate": w.rate,
                "shortfalls": {s.name: s.periods for s in w.shortfalls},
                "term_overdue_days": w.term_overdue_days,
                "structure_warnings": w.structure_warnings,
                "open_items": w.open_items,
                "stars": w.stars,
            }
            for w in board.weakest
        ],
    }


@pytest.fixture
def admin(db):
    return UserFactory(username="dash_admin", is_superuser=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_equal_brute_force(seed, admin):
    made = generate(seed=seed, branches=40, today=TODAY)
    generate(seed=seed + 100, branches=8, today=TODAY)  # a neighbour whose rows must stay out
    root = made.root
    committee = Organisation.objects.get(pk=made.committee_ids[0])
    sectors = Counter(o.sector for o in Organisation.objects.filter(pk__in=made.branch_ids))
    common_sector = sectors.most_common(1)[0][0]
    cases = [
        (root, 2026, "", ""),
        (root, 2025, "", ""),
        (root, 2026, common_sector, ""),
        (root, 2026, "", "joint_branch"),
        (root, 2026, common_sector, "branch"),
        (committee, 2026, "", ""),
    ]
    for node, year, sector, kind in cases:
        board = dash.dashboard(admin, node, year, sector=sector, kind=kind, today=TODAY)
        expected = brute(node, year, sector=sector, kind=kind)
        got = shown(board)
        for key, value in expected.items():
            assert got[key] == value, (node.name, year, sector, kind, key)
        assert board.tiles.branches > 0 or node is committee


def test_tiles_on_an_empty_subtree(admin, tree):
    rollups.rebuild()  # the tree's branches were created in this test's transaction: no commit, no task
    board = dash.dashboard(admin, tree["town"], 2026, today=TODAY)
    assert board.tiles.branches == 2
    assert board.tiles.compliance is None
    assert board.is_empty
    assert board.weakest == []
    assert board.children == []


def test_reasons_read_in_words(admin):
    made = generate(seed=7, branches=30, today=TODAY)
    board = dash.dashboard(admin, made.root, 2026, today=TODAY)
    assert len(board.weakest) == 20
    first = board.weakest[0]
    assert first.reasons, "the weakest branch has at least one short requirement"
    assert any("未达标" in r for r in first.reasons)
    rates = [w.rate for w in board.weakest]
    assert rates == sorted(rates)


def test_path_range_keeps_exactly_the_subtree():
    """The range that replaces LIKE 'prefix%' holds every path below the prefix and nothing else."""
    import random

    from branches.models import PATH_ALPHABET

    rng = random.Random(5)
    paths = {
        "".join(rng.choice(PATH_ALPHABET[:3] + PATH_ALPHABET[-3:]) for _ in range(4 * rng.randint(1, 3)))
        for _ in range(3000)
    }
    for prefix in ["0001", "000Z", "ZZZZ", "0Z0Z", "00ZZ", "Z0ZZ0001", *rng.sample(sorted(paths), 30)]:
        q = dash.path_range("p", prefix)
        bounds = dict(q.children)
        for path in paths:
            if "p__startswith" in bounds:
                inside = path.startswith(bounds["p__startswith"])
            else:
                inside = bounds["p__gte"] <= path < bounds["p__lt"]
            assert inside == path.startswith(prefix), (prefix, path)
