"""修改记录 pages: who may read them (admins and reviewers in scope; 404 for the rest), what they show
(before → after, masked personal data, deleted parts), their query count and pagination, and the
log of personal-data downloads."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import audit
from branches.models import Role
from members.models import ExportKind, ExportLog
from members.services import roster_import as import_services
from members.services.members import member_update
from tests.factories import UserFactory, grant, make_member
from tests.meetings.conftest import local
from tests.members.test_import_support import person, upload_file, workbook_bytes


def url(kind, pk):
    return reverse("audit:history", args=[kind, pk])


@pytest.fixture
def far_reviewer(tree):
    """The sibling committee's reviewer: the town's records are outside their scope."""
    user = UserFactory(username="far_reviewer")
    grant(user, tree["sibling"], Role.REVIEWER)
    return user


@pytest.fixture
def member(tree, secretary):
    person_ = make_member(tree["branch"], name="张三", phone="13800000001", work_unit="东村村委会")
    with audit.acting_as(secretary):
        member_update(member=person_, phone="13900000002", work_unit="东村合作社")
    return person_


@pytest.fixture
def subjects(tree, member, kinds, ten, record_meeting):
    meeting = record_meeting(tree["branch"], "lecture", local(2026, 3, 5))
    return {"organisation": tree["branch"], "member": member, "meeting": meeting}


@pytest.mark.parametrize("kind", ["organisation", "member", "meeting"])
def test_admin_and_reviewer_read_it_secretary_outsider_and_far_reviewer_get_404(
    login, kind, subjects, admin_user, reviewer, secretary, outsider, far_reviewer
):
    target = url(kind, subjects[kind].pk)
    for user in (admin_user, reviewer):
        assert login(user).get(target).status_code == 200
    for user in (secretary, outsider, far_reviewer):
        assert login(user).get(target).status_code == 404


def test_anonymous_is_sent_to_log_in(client, member):
    response = client.get(url("member", member.pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("path", ["/audit/nothing/1/", "/audit/member/999999/"])
def test_an_unknown_kind_or_record_is_404(login, reviewer, member, path):
    assert login(reviewer).get(path).status_code == 404


def test_post_is_refused(login, reviewer, member):
    assert login(reviewer).post(url("member", member.pk)).status_code == 405


def test_it_shows_who_changed_what_from_what_to_what(login, reviewer, secretary, member):
    html = login(reviewer).get(url("member", member.pk)).content.decode()
    assert html.count('data-testid="history-entry"') == 2
    assert "东村村委会</del> → 东村合作社" in html
    assert (
        secretary.username in html and "系统" in html
    )  # the edit by the secretary; the creation by a service
    assert "修改" in html and "新增" in html


def test_phone_and_id_number_are_masked_for_reviewers_not_for_admins(login, reviewer, admin_user, member):
    masked = login(reviewer).get(url("member", member.pk)).content.decode()
    assert "138****0001</del> → 139****0002" in masked and "13900000002" not in masked
    assert member.id_number not in masked
    full = login(admin_user).get(url("member", member.pk)).content.decode()
    assert "13800000001</del> → 13900000002" in full and member.id_number in full


def test_a_meeting_shows_its_attendance_and_kind_by_name(login, reviewer, subjects, ten, kinds):
    html = login(reviewer).get(url("meeting", subjects["meeting"].pk)).content.decode()
    assert f"出勤：{ten[0].name}" in html and "会议记录" in html
    assert f">{kinds['lecture'].name}<" in html and f">#{kinds['lecture'].pk}<" not in html


def test_a_deleted_part_stays_on_the_page(login, reviewer, tree, secretary):
    extra = UserFactory(username="temp_secretary")
    held = grant(extra, tree["branch"], Role.SECRETARY)
    held.delete()
    html = login(reviewer).get(url("organisation", tree["branch"].pk)).content.decode()
    assert "temp_secretary" in html and "（支部书记）" in html and "删除" in html


def test_the_query_count_does_not_grow_with_the_history(login, reviewer, member, secretary):
    client = login(reviewer)
    client.get(url("member", member.pk))  # warm the session

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("member", member.pk)).status_code == 200
        return len(captured)

    few = count()
    with audit.acting_as(secretary):
        for n in range(30):
            member_update(member=member, post=f"岗位{n}")
    assert count() == few


def test_fifty_entries_a_page(login, reviewer, member, secretary):
    with audit.acting_as(secretary):
        for n in range(49):  # 2 entries already: 51 in all
            member_update(member=member, post=f"岗位{n}")
    client = login(reviewer)
    first = client.get(url("member", member.pk)).content.decode()
    assert first.count('data-testid="history-entry"') == 50 and "1 / 2" in first and "共 51 条" in first
    second = client.get(url("member", member.pk), {"page": 2}).content.decode()
    assert second.count('data-testid="history-entry"') == 1 and "新增" in second  # the oldest: the creation


def test_the_object_pages_link_to_it_for_reviewers_only(login, reviewer, secretary, subjects):
    pages = [
        reverse("branches:org_detail", args=[subjects["organisation"].pk]),
        reverse("members:detail", args=[subjects["member"].pk]),
        reverse("meetings:detail", args=[subjects["meeting"].pk]),
    ]
    for page in pages:
        assert 'data-testid="history-link"' in login(reviewer).get(page).content.decode(), page
        assert 'data-testid="history-link"' not in login(secretary).get(page).content.decode(), page


# --- exports of personal data ---------------------------------------------------------------


def test_every_roster_download_is_logged(login, tree, secretary, reviewer, member):
    export = reverse("members:export_xlsx", args=[tree["branch"].pk])
    assert login(secretary).get(export).status_code == 200
    assert login(reviewer).get(export).status_code == 200
    logged = list(ExportLog.objects.order_by("pk").values_list("user__username", "kind", "rows", "masked"))
    assert logged == [("secretary", ExportKind.ROSTER, 1, False), ("reviewer", ExportKind.ROSTER, 1, True)]
    html = login(reviewer).get(url("organisation", tree["branch"].pk)).content.decode()
    assert 'data-testid="exports"' in html and "共 2 次" in html


def test_a_refused_download_logs_nothing(login, tree, outsider):
    assert login(outsider).get(reverse("members:export_xlsx", args=[tree["branch"].pk])).status_code == 404
    assert not ExportLog.objects.exists()


def test_the_import_error_file_is_logged(login, tree, secretary, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [person(1), person(2, **{"性别": "?"})]
    invalid = import_services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(workbook_bytes(rows)), uploaded_by=secretary
    )
    response = login(secretary).get(reverse("members:import_errors_xlsx", args=[invalid.pk]))
    assert response.status_code == 200
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.rows, log.masked) == (secretary, ExportKind.IMPORT_ERRORS, 2, False)


def test_the_organisation_page_without_downloads_says_so(login, reviewer, tree):
    html = login(reviewer).get(url("organisation", tree["branch"].pk)).content.decode()
    assert "没有个人信息导出记录" in html


def test_a_rating_and_a_rectification_case_have_pages(login, reviewer, tree, secretary):
    from tests.assessment.conftest import make_rating

    rating = make_rating(tree["branch"], year=2026)
    assert login(reviewer).get(url("rating", rating.pk)).status_code == 200
    assert login(secretary).get(url("rating", rating.pk)).status_code == 404
    from assessment.services.rectification import case_open_by_reviewer, item_add

    case = case_open_by_reviewer(
        by=reviewer, organisation=tree["branch"], reason="组织生活不正常", opened_on=dt.date(2026, 3, 1)
    )
    with audit.acting_as(reviewer):
        item_add(
            case=case,
            problem="三会一课不落实",
            measure="按月召开",
            owner="书记",
            deadline=dt.date(2026, 6, 30),
            by=reviewer,
        )
    html = login(reviewer).get(url("rectification", case.pk)).content.decode()
    assert "整改事项：三会一课不落实" in html and reviewer.username in html
    assert login(secretary).get(url("rectification", case.pk)).status_code == 404
