"""软弱涣散整顿 pages: per role, 404 for outsiders and the other committee, query counts of the list."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import CaseStatus, ItemStatus, RectificationCase, RectificationItem
from assessment.services import rectification as services
from branches.models import Role
from tests.factories import UserFactory, grant, make_org

PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def case(tree, today):
    return services.case_open(
        organisation=tree["branch"], reason="2025年度评为二星", opened_on=today - dt.timedelta(days=60)
    )


@pytest.fixture
def other_reviewer(tree):
    user = UserFactory(username="other_reviewer")
    grant(user, tree["sibling"], Role.REVIEWER)
    return user


@pytest.fixture
def member(tree):
    user = UserFactory(username="member")
    grant(user, tree["branch"], Role.MEMBER)
    return user


def add(case, by, *, deadline, problem="组织生活不规范"):
    return services.item_add(
        case=case, problem=problem, measure="按月召开支部党员大会", owner="张书记", deadline=deadline, by=by
    )


REFUSED = ["outsider", "other_reviewer", "member"]


# ---------------------------------------------------------------- the list


def test_list_for_reviewer_and_secretary(tree, case, reviewer, secretary, login, today):
    add(case, reviewer, deadline=today - dt.timedelta(days=2))
    add(case, reviewer, deadline=today + dt.timedelta(days=5))
    page = login(reviewer).get(reverse("assessment:case_list", args=[tree["town"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "东村党支部" in html and "整改中 2" in html and "逾期 1" in html
    page = login(secretary).get(reverse("assessment:case_list", args=[tree["branch"].pk]))
    assert page.status_code == 200 and "东村党支部" in page.content.decode()
    assert "列入整顿" not in page.content.decode().split("</h1>")[1].split("</div>")[0]


def test_list_filters(tree, case, reviewer, secretary, login, today):
    closed = services.case_open(organisation=tree["other_branch"], reason="已整顿完", opened_on=today)
    item = add(closed, reviewer, deadline=today)
    services.item_done(item=item, note="ok", by=UserFactory(is_superuser=True))
    services.item_verify(item=item, by=reviewer)
    client = login(reviewer)
    url = reverse("assessment:case_list", args=[tree["town"].pk])
    assert "西村党支部" not in client.get(url + "?status=open").content.decode()
    assert "西村党支部" in client.get(url + "?status=closed").content.decode()
    assert "东村党支部" not in client.get(url + "?status=closed").content.decode()
    add(case, reviewer, deadline=today - dt.timedelta(days=1))
    overdue = client.get(url + "?status=overdue").content.decode()
    assert "东村党支部" in overdue and "西村党支部" not in overdue


@pytest.mark.parametrize("who", REFUSED)
def test_list_refused(tree, case, who, request, login):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("assessment:case_list", args=[tree["branch"].pk])).status_code == 404
    assert client.get(reverse("assessment:case_list", args=[tree["town"].pk])).status_code == 404


def test_secretary_cannot_list_the_committee(tree, secretary, login):
    assert login(secretary).get(reverse("assessment:case_list", args=[tree["town"].pk])).status_code == 404


def test_anonymous_goes_to_login(tree, client):
    response = client.get(reverse("assessment:case_list", args=[tree["town"].pk]))
    assert response.status_code == 302 and "login" in response.url


def test_list_query_count_does_not_grow(tree, reviewer, login, today):
    client = login(reviewer)
    url = reverse("assessment:case_list", args=[tree["county"].pk])
    grant(reviewer, tree["county"], Role.REVIEWER)

    def fill(n):
        for _ in range(n):
            case = services.case_open(organisation=make_org(tree["town"]), reason="x", opened_on=today)
            for d in (-1, 0, 3):
                RectificationItem.objects.create(
                    case=case, problem="p", measure="m", owner="o", deadline=today + dt.timedelta(days=d)
                )

    counts = []
    for n in (2, 12):
        fill(n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- the case's page


def test_detail_flags_overdue_in_red(case, reviewer, secretary, login, today):
    add(case, reviewer, deadline=today - dt.timedelta(days=3), problem="三天前到期")
    add(case, reviewer, deadline=today, problem="今天到期")
    html = login(secretary).get(case.get_absolute_url()).content.decode()
    assert "已逾期3天" in html and html.count('data-testid="overdue"') == 1
    assert 'data-testid="done"' in html and 'data-testid="verify"' not in html


def test_detail_forms_per_role(case, reviewer, secretary, login, today):
    item = add(case, reviewer, deadline=today)
    services.item_done(item=item, note="已整改", by=secretary)
    html = login(reviewer).get(case.get_absolute_url()).content.decode()
    assert (
        'data-testid="verify"' in html and 'data-testid="reopen"' in html and 'data-testid="item-add"' in html
    )
    html = login(secretary).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="verify"' not in html and 'data-testid="done"' not in html


@pytest.mark.parametrize("who", REFUSED)
def test_detail_refused(case, who, request, login):
    assert login(request.getfixturevalue(who)).get(case.get_absolute_url()).status_code == 404


def test_detail_admin(case, admin_user, login):
    assert login(admin_user).get(case.get_absolute_url()).status_code == 200


# ---------------------------------------------------------------- moves


def test_secretary_adds_an_item_and_keeps_input_on_error(case, secretary, login, today):
    client = login(secretary)
    url = reverse("assessment:item_add", args=[case.pk])
    bad = client.post(
        url, {"problem": "台账不全", "measure": "补齐台账", "owner": "李四", "deadline": "2000-01-01"}
    )
    assert bad.status_code == 200 and "不能早于整顿确定日期" in bad.content.decode()
    assert "补齐台账" in bad.content.decode()
    ok = client.post(
        url, {"problem": "台账不全", "measure": "补齐台账", "owner": "李四", "deadline": today.isoformat()}
    )
    assert ok.status_code == 302 and case.items.get().problem == "台账不全"


@pytest.mark.parametrize("who", REFUSED)
def test_add_refused(case, who, request, login, today):
    client = login(request.getfixturevalue(who))
    url = reverse("assessment:item_add", args=[case.pk])
    data = {"problem": "p", "measure": "m", "owner": "o", "deadline": today.isoformat()}
    assert client.post(url, data).status_code == 404
    assert not case.items.exists()


def test_done_with_evidence_then_verify_closes(case, reviewer, secretary, login, today):
    item = add(case, reviewer, deadline=today)
    client = login(secretary)
    done_url = reverse("assessment:item_done", args=[item.pk])
    assert client.get(done_url).status_code == 200
    response = client.post(done_url, {"note": "已按月召开", "evidence": SimpleUploadedFile("记录.pdf", PDF)})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.evidence
    download = client.get(reverse("assessment:item_evidence", args=[item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # The secretary does not verify: 404.
    assert client.get(reverse("assessment:item_verify", args=[item.pk])).status_code == 404
    client = login(reviewer)
    verify_url = reverse("assessment:item_verify", args=[item.pk])
    assert "确认销号" in client.get(verify_url).content.decode()
    unticked = client.post(verify_url, {"note": "到位"})
    assert unticked.status_code == 200 and "请勾选确认" in unticked.content.decode()
    assert client.post(verify_url, {"note": "到位", "confirm": "on"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    # The second click: a message, no 500, nothing changes.
    again = client.post(verify_url, {"note": "再次", "confirm": "on"})
    assert again.status_code == 200 and "只有“已完成待验收”的事项才能验收销号" in again.content.decode()
    item.refresh_from_db()
    assert item.verify_note == "到位"


def test_renamed_exe_refused_on_the_page(case, reviewer, secretary, login, today):
    item = add(case, reviewer, deadline=today)
    exe = SimpleUploadedFile("整改材料.pdf", b"MZ\x90\x00\x03\x00" + b"\x00" * 100)
    response = login(secretary).post(
        reverse("assessment:item_done", args=[item.pk]), {"note": "已整改", "evidence": exe}
    )
    assert response.status_code == 200 and "只能上传 PDF、JPG 或 PNG" in response.content.decode()
    assert "已整改" in response.content.decode()  # what was typed stays
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_reopen_on_the_page(case, reviewer, secretary, login, today):
    item = add(case, reviewer, deadline=today)
    services.item_done(item=item, note="已整改", by=secretary)
    client = login(reviewer)
    url = reverse("assessment:item_reopen", args=[item.pk])
    assert client.post(url, {"note": ""}).status_code == 200
    assert client.post(url, {"note": "记录不全"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.verify_note == "记录不全"
    assert "验收未通过：记录不全" in login(secretary).get(case.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["reviewer", "outsider", "member"])
def test_done_refused(case, reviewer, who, request, login, today):
    item = add(case, reviewer, deadline=today)
    response = login(request.getfixturevalue(who)).post(
        reverse("assessment:item_done", args=[item.pk]), {"note": "x"}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


@pytest.mark.parametrize("who", ["secretary", "outsider", "other_reviewer", "member"])
def test_verify_and_reopen_refused(case, reviewer, secretary, who, request, login, today):
    item = add(case, reviewer, deadline=today)
    services.item_done(item=item, note="已整改", by=secretary)
    client = login(request.getfixturevalue(who))
    assert (
        client.post(reverse("assessment:item_verify", args=[item.pk]), {"confirm": "on"}).status_code == 404
    )
    assert client.post(reverse("assessment:item_reopen", args=[item.pk]), {"note": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE


def test_evidence_refused_outside(case, reviewer, secretary, outsider, login, today):
    item = add(case, reviewer, deadline=today)
    services.item_done(item=item, note="ok", evidence=SimpleUploadedFile("a.pdf", PDF), by=secretary)
    assert login(outsider).get(reverse("assessment:item_evidence", args=[item.pk])).status_code == 404
    assert login(reviewer).get(reverse("assessment:item_evidence", args=[item.pk])).status_code == 200


# ---------------------------------------------------------------- opening by hand


def test_reviewer_opens_a_case_from_the_committee_by_code(tree, reviewer, login, today):
    client = login(reviewer)
    url = reverse("assessment:case_add", args=[tree["town"].pk])
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"code": "C2B1", "reason": "班子软弱", "opened_on": today.isoformat()})
    assert wrong.status_code == 200 and "没有找到组织代码" in wrong.content.decode()
    ok = client.post(url, {"code": "C1B1", "reason": "班子软弱", "opened_on": today.isoformat()})
    case = RectificationCase.objects.get()
    assert ok.status_code == 302 and ok.url == case.get_absolute_url() and case.organisation == tree["branch"]


def test_reviewer_opens_a_case_on_the_branch(tree, reviewer, login, today):
    client = login(reviewer)
    url = reverse("assessment:case_add", args=[tree["branch"].pk])
    assert "支部组织代码" not in client.get(url).content.decode()
    assert client.post(url, {"reason": "班子软弱", "opened_on": today.isoformat()}).status_code == 302
    again = client.post(url, {"reason": "再次", "opened_on": today.isoformat()})
    assert again.status_code == 200 and "已有正在整顿" in again.content.decode()
    assert RectificationCase.objects.count() == 1


@pytest.mark.parametrize("who", ["secretary", "outsider", "other_reviewer", "member"])
def test_open_by_hand_refused(tree, who, request, login, today):
    client = login(request.getfixturevalue(who))
    url = reverse("assessment:case_add", args=[tree["branch"].pk])
    assert client.post(url, {"reason": "x", "opened_on": today.isoformat()}).status_code == 404
    assert not RectificationCase.objects.exists()
