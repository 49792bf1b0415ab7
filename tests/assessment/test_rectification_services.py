"""软弱涣散整顿 services: the item's state machine per role, closing the case, overdue and its notices."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.defaults import ensure_defaults
from assessment.models import CaseStatus, ItemStatus, Rating, RectificationCase, RectificationItem, Stage
from assessment.services import rectification as services
from assessment.services.ratings import active_template, rating_name
from assessment.tasks import notify_overdue_rectification
from branches.models import Notice, Role
from tests.factories import UserFactory, grant

OPENED = dt.date(2026, 3, 1)
PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(tree):
    return services.case_open(organisation=tree["branch"], reason="2025年度评为二星", opened_on=OPENED)


@pytest.fixture
def county(tree):
    user = UserFactory(username="county")
    grant(user, tree["county"], Role.REVIEWER)
    return user


@pytest.fixture
def other_reviewer(tree):
    """The sibling committee's reviewer: the branch is outside their subtree."""
    user = UserFactory(username="other_reviewer")
    grant(user, tree["sibling"], Role.REVIEWER)
    return user


def add(case, by, *, deadline=dt.date(2026, 4, 30), problem="组织生活不规范"):
    return services.item_add(
        case=case, problem=problem, measure="按月召开支部党员大会", owner="张书记", deadline=deadline, by=by
    )


def status(item) -> str:
    return RectificationItem.objects.get(pk=item.pk).status


# ---------------------------------------------------------------- adding items


def test_reviewer_and_secretary_add_items(case, reviewer, secretary):
    first = add(case, reviewer)
    second = add(case, secretary, problem="党费收缴不及时")
    assert [first.status, second.status] == [ItemStatus.OPEN, ItemStatus.OPEN]
    assert case.items.count() == 2
    # The reviewer's item reaches the branch's secretary.
    assert Notice.objects.filter(recipient=secretary, dedupe_key=f"rectification-item-{first.pk}").exists()


@pytest.mark.parametrize("who", ["outsider", "other_reviewer"])
def test_add_refused_outside_scope(case, who, request):
    with pytest.raises(PermissionDenied):
        add(case, request.getfixturevalue(who))
    assert case.items.count() == 0


def test_member_grant_cannot_add(case, tree):
    member = UserFactory(username="member")
    grant(member, tree["branch"], Role.MEMBER)
    with pytest.raises(PermissionDenied):
        add(case, member)


def test_add_checks_fields_and_deadline(case, reviewer):
    with pytest.raises(ValidationError) as e:
        services.item_add(case=case, problem=" ", measure="m", owner="o", deadline=OPENED, by=reviewer)
    assert "problem" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.item_add(case=case, problem="p", measure="m" * 301, owner="o", deadline=OPENED, by=reviewer)
    assert "不能超过300个字" in e.value.message_dict["measure"][0]
    with pytest.raises(ValidationError) as e:
        services.item_add(case=case, problem="p", measure="m", owner="o" * 31, deadline=OPENED, by=reviewer)
    assert "owner" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        add(case, reviewer, deadline=OPENED - dt.timedelta(days=1))
    assert "不能早于整顿确定日期" in e.value.message_dict["deadline"][0]
    assert add(case, reviewer, deadline=OPENED).deadline == OPENED  # the opening day itself is fine
    assert case.items.count() == 1


def test_add_refused_on_closed_case(case, reviewer, secretary):
    item = add(case, reviewer)
    services.item_done(item=item, note="已整改", by=secretary)
    services.item_verify(item=item, by=reviewer, today=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError, match="已销号"):
        add(case, reviewer)


# ---------------------------------------------------------------- the state machine


def test_legal_path_open_done_verified(case, reviewer, secretary):
    item = add(case, reviewer)
    services.item_done(item=item, note="已按月召开", by=secretary)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.done_note == "已按月召开" and item.done_at
    services.item_verify(item=item, by=reviewer, note="核实到位", today=dt.date(2026, 4, 2))
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED
    assert item.verified_by == reviewer and item.verify_note == "核实到位" and item.verified_at


def test_reopen_sends_back_with_reason(case, reviewer, secretary):
    item = add(case, reviewer)
    services.item_done(item=item, note="已整改", by=secretary)
    with pytest.raises(ValidationError) as e:
        services.item_reopen(item=item, by=reviewer, note="  ")
    assert "note" in e.value.message_dict
    assert status(item) == ItemStatus.DONE
    services.item_reopen(item=item, by=reviewer, note="记录不全")
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.verify_note == "记录不全" and item.done_at is None
    assert Notice.objects.filter(recipient=secretary, title__contains="退回").count() == 1
    # Back to open: the secretary reports again.
    services.item_done(item=item, note="已补全记录", by=secretary)
    assert status(item) == ItemStatus.DONE


@pytest.mark.parametrize(
    ("move", "who"),
    [
        ("done", "reviewer"),  # the reviewer does not report the branch's work
        ("done", "outsider"),
        ("verify", "secretary"),  # the branch's secretary never verifies their own close-out
        ("verify", "outsider"),
        ("verify", "other_reviewer"),
        ("reopen", "secretary"),
        ("reopen", "other_reviewer"),
    ],
)
def test_moves_refused_for_wrong_role(case, reviewer, secretary, move, who, request):
    item = add(case, reviewer)
    if move != "done":
        services.item_done(item=item, note="已整改", by=secretary)
    before = status(item)
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        if move == "done":
            services.item_done(item=item, note="x", by=user)
        elif move == "verify":
            services.item_verify(item=item, by=user)
        else:
            services.item_reopen(item=item, by=user, note="x")
    assert status(item) == before


def test_secretary_with_reviewer_grant_above_still_cannot_verify(case, reviewer, secretary, tree):
    grant(secretary, tree["town"], Role.REVIEWER)
    item = add(case, reviewer)
    services.item_done(item=item, note="已整改", by=secretary)
    with pytest.raises(PermissionDenied):
        services.item_verify(item=item, by=secretary)


def test_illegal_moves_are_refused_with_a_message(case, reviewer, secretary):
    item = add(case, reviewer)
    with pytest.raises(ValidationError, match="只有“已完成待验收”的事项才能验收销号"):
        services.item_verify(item=item, by=reviewer)  # open → verified skips the report
    with pytest.raises(ValidationError, match="才能退回"):
        services.item_reopen(item=item, by=reviewer, note="x")
    services.item_done(item=item, note="已整改", by=secretary)
    with pytest.raises(ValidationError, match="才能报告完成"):
        services.item_done(item=item, note="又一次", by=secretary)  # the second click
    services.item_verify(item=item, by=reviewer, today=dt.date(2026, 4, 1))
    for move in (
        lambda: services.item_verify(item=item, by=reviewer),
        lambda: services.item_reopen(item=item, by=reviewer, note="x"),
        lambda: services.item_done(item=item, note="x", by=secretary),
    ):
        with pytest.raises(ValidationError):
            move()
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED and item.done_note == "已整改"


def test_a_stale_object_does_not_double_apply(case, reviewer, secretary):
    """Two clicks with the same page: the second finds the item verified and changes nothing."""
    item = add(case, reviewer)
    services.item_done(item=item, note="已整改", by=secretary)
    stale = RectificationItem.objects.get(pk=item.pk)
    services.item_verify(item=item, by=reviewer, note="第一次", today=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError):
        services.item_verify(item=stale, by=reviewer, note="第二次", today=dt.date(2026, 4, 2))
    item.refresh_from_db()
    assert item.verify_note == "第一次"
    assert RectificationCase.objects.get(pk=case.pk).closed_on == dt.date(2026, 4, 1)


def test_done_note_required_and_limited(case, reviewer, secretary):
    item = add(case, reviewer)
    with pytest.raises(ValidationError):
        services.item_done(item=item, note="", by=secretary)
    with pytest.raises(ValidationError):
        services.item_done(item=item, note="x" * 501, by=secretary)
    assert status(item) == ItemStatus.OPEN


# ---------------------------------------------------------------- evidence


def test_evidence_is_stored_on_the_item(case, reviewer, secretary):
    item = add(case, reviewer)
    services.item_done(
        item=item, note="已整改", evidence=SimpleUploadedFile("会议记录.pdf", PDF), by=secretary
    )
    item.refresh_from_db()
    assert item.evidence.name.endswith(".pdf")
    with item.evidence.open("rb") as f:
        assert f.read() == PDF
    assert item.evidence_name == "会议记录.pdf"
    assert item.evidence_sha256 == hashlib.sha256(PDF).hexdigest()


def test_renamed_exe_is_refused_and_nothing_changes(case, reviewer, secretary):
    item = add(case, reviewer)
    exe = SimpleUploadedFile("整改材料.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError) as e:
        services.item_done(item=item, note="已整改", evidence=exe, by=secretary)
    assert "只能上传 PDF、JPG 或 PNG" in e.value.message_dict["evidence"][0]
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and not item.evidence and item.done_note == ""


# ---------------------------------------------------------------- closing the case


def test_case_closes_exactly_when_the_last_item_is_verified(case, reviewer, secretary):
    items = [add(case, reviewer, problem=f"问题{i}") for i in range(3)]
    for item in items:
        services.item_done(item=item, note="已整改", by=secretary)
    services.item_verify(item=items[0], by=reviewer, today=dt.date(2026, 4, 1))
    services.item_verify(item=items[1], by=reviewer, today=dt.date(2026, 4, 2))
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.closed_on is None  # 2 of 3 verified: still open
    services.item_verify(item=items[2], by=reviewer, today=dt.date(2026, 4, 3))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_on == dt.date(2026, 4, 3)
    assert Notice.objects.filter(recipient=secretary, dedupe_key=f"rectification-closed-{case.pk}").exists()


def test_a_case_without_items_does_not_close(case):
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_reopened_item_keeps_the_case_open(case, reviewer, secretary):
    a, b = add(case, reviewer, problem="甲"), add(case, reviewer, problem="乙")
    for item in (a, b):
        services.item_done(item=item, note="已整改", by=secretary)
    services.item_verify(item=a, by=reviewer, today=dt.date(2026, 4, 1))
    services.item_reopen(item=b, by=reviewer, note="不到位")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# ---------------------------------------------------------------- opening by hand


def test_reviewer_opens_a_case_by_hand(tree, reviewer, secretary):
    case = services.case_open_by_reviewer(
        organisation=tree["branch"], reason="班子软弱", opened_on=OPENED, by=reviewer, today=OPENED
    )
    assert case.status == CaseStatus.OPEN and case.rating is None and case.org_path == tree["branch"].path
    assert Notice.objects.filter(recipient=secretary, dedupe_key=f"rectification-open-{case.pk}").exists()
    with pytest.raises(ValidationError, match="已有正在整顿"):
        services.case_open_by_reviewer(
            organisation=tree["branch"], reason="再次", opened_on=OPENED, by=reviewer, today=OPENED
        )


def test_open_by_hand_refusals(tree, reviewer, secretary, outsider):
    for user in (secretary, outsider):
        with pytest.raises(PermissionDenied):
            services.case_open_by_reviewer(
                organisation=tree["branch"], reason="x", opened_on=OPENED, by=user, today=OPENED
            )
    with pytest.raises(ValidationError) as e:
        services.case_open_by_reviewer(organisation=tree["town"], reason="x", opened_on=OPENED, by=reviewer)
    assert "只有党支部" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.case_open_by_reviewer(
            organisation=tree["branch"], reason="", opened_on=OPENED, by=reviewer, today=OPENED
        )
    assert "reason" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.case_open_by_reviewer(
            organisation=tree["branch"],
            reason="x",
            opened_on=OPENED,
            by=reviewer,
            today=OPENED - dt.timedelta(1),
        )
    assert "opened_on" in e.value.message_dict
    assert not RectificationCase.objects.exists()


def test_a_two_star_naming_opens_a_case(tree, county, secretary):
    ensure_defaults(2025)
    branch = tree["branch"]
    rating = Rating.objects.create(
        organisation=branch,
        org_path=branch.path,
        template=active_template(2025),
        year=2025,
        stage=Stage.TO_NAME,
        proposed_stars=2,
    )
    rating_name(
        rating=rating, by=county, stars=2, named_on=dt.date(2026, 2, 10), naming_doc="县组〔2026〕3号"
    )
    case = RectificationCase.objects.get(rating=rating)
    assert case.organisation == branch and case.status == CaseStatus.OPEN
    assert case.opened_on == dt.date(2026, 2, 10) and "2星" in case.reason
    assert Notice.objects.filter(recipient=secretary, dedupe_key=f"rectification-open-{case.pk}").exists()


# ---------------------------------------------------------------- overdue


@pytest.mark.parametrize(
    ("deadline", "today", "overdue", "days"),
    [
        (dt.date(2026, 4, 30), dt.date(2026, 4, 30), False, 0),  # the deadline day itself is not late
        (dt.date(2026, 4, 29), dt.date(2026, 4, 30), True, 1),  # deadline yesterday: one day late
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30), True, 29),
    ],
)
def test_overdue_boundary(deadline, today, overdue, days):
    assert services.is_overdue(ItemStatus.OPEN, deadline, today) is overdue
    assert services.overdue_days(ItemStatus.OPEN, deadline, today) == days
    # Reported done or verified: never overdue, whatever the date.
    assert not services.is_overdue(ItemStatus.DONE, deadline, today)
    assert not services.is_overdue(ItemStatus.VERIFIED, deadline, today)


def test_overdue_items_at_the_boundary(case, reviewer, secretary):
    today = dt.date(2026, 4, 30)
    on_day = add(case, reviewer, deadline=today, problem="今天到期")
    late = add(case, reviewer, deadline=today - dt.timedelta(days=1), problem="昨天到期")
    done = add(case, reviewer, deadline=dt.date(2026, 4, 1), problem="已完成")
    services.item_done(item=done, note="已整改", by=secretary)
    assert list(services.overdue_items(today)) == [late]
    assert on_day not in services.overdue_items(today)


def test_overdue_notices_once_per_item(tree, case, reviewer, secretary, county, other_reviewer):
    town_reviewer2 = UserFactory(username="town2")
    grant(town_reviewer2, tree["town"], Role.REVIEWER)
    today = dt.date(2026, 5, 10)
    late_a = add(case, reviewer, deadline=dt.date(2026, 5, 1), problem="甲")
    late_b = add(case, reviewer, deadline=dt.date(2026, 5, 9), problem="乙")
    add(case, reviewer, deadline=today, problem="丙")  # due today: not yet
    Notice.objects.all().delete()
    sent = services.overdue_notify(today)
    recipients = {secretary, reviewer, town_reviewer2, county}
    assert sent == 2 * len(recipients)
    for item in (late_a, late_b):
        got = set(
            Notice.objects.filter(dedupe_key=services.overdue_key(item)).values_list("recipient", flat=True)
        )
        assert got == {u.pk for u in recipients}
    assert not Notice.objects.filter(recipient=other_reviewer).exists()
    title = Notice.objects.get(recipient=secretary, dedupe_key=services.overdue_key(late_a)).title
    assert "已逾期9天" in title
    # Run again the same day: nothing new. The next day only 丙 (due today) is new; then nothing.
    assert services.overdue_notify(today) == 0
    assert services.overdue_notify(today + dt.timedelta(days=1)) == len(recipients)
    assert services.overdue_notify(today + dt.timedelta(days=2)) == 0
    assert notify_overdue_rectification.delay().get() == 0  # the task: the same service, today's date
    assert Notice.objects.count() == 3 * len(recipients)


def test_overdue_notice_again_after_a_new_deadline(case, reviewer, secretary):
    item = add(case, reviewer, deadline=dt.date(2026, 5, 1))
    assert services.overdue_notify(dt.date(2026, 5, 2)) == 2
    RectificationItem.objects.filter(pk=item.pk).update(deadline=dt.date(2026, 5, 20))
    assert services.overdue_notify(dt.date(2026, 5, 10)) == 0
    assert services.overdue_notify(dt.date(2026, 5, 21)) == 2


def test_done_and_closed_items_are_not_notified(case, reviewer, secretary):
    item = add(case, reviewer, deadline=dt.date(2026, 5, 1))
    services.item_done(item=item, note="已整改", by=secretary)
    assert services.overdue_notify(dt.date(2026, 6, 1)) == 0


def test_overdue_notify_reads_do_not_grow(tree, reviewer):
    """The look-ups are a fixed number of queries; each notice is one insert (in its savepoint)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_org

    def fill(n):
        for _ in range(n):
            branch = make_org(tree["town"])
            case = services.case_open(organisation=branch, reason="x", opened_on=OPENED)
            RectificationItem.objects.create(case=case, problem="p", measure="m", owner="o", deadline=OPENED)

    reads = []
    for n in (3, 9):
        fill(n)
        Notice.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            sent = services.overdue_notify(dt.date(2026, 6, 1))
        inserts = sum(1 for q in ctx.captured_queries if q["sql"].startswith("INSERT"))
        assert inserts == sent
        reads.append(sum(1 for q in ctx.captured_queries if q["sql"].startswith("SELECT")))
    assert reads[0] == reads[1]
