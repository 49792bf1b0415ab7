"""Meeting pages: the list, 记录会议, the record's page, edit, submit, return, cancel and attachments.

Each view for the allowed role (the branch's secretary, or the reviewer above for 退回),
the refused role (404), the outsider (another branch's secretary, 404) and anonymous (login).
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from meetings import rules
from meetings.models import (
    Attachment,
    Attendance,
    Guest,
    Meeting,
    MeetingEvent,
    MeetingKind,
    MeetingVersion,
)
from meetings.services import attachments as attachment_services
from meetings.services import meetings as services
from tests.factories import make_member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


def kind(code):
    return MeetingKind.objects.get(code=code)


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def at(day: dt.date, hour=10, minute=0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=rules.LOCAL_TZ)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(tree):
    branch = tree["branch"]
    return [
        make_member(branch, name="张三", party_group=tree["group"]),
        make_member(branch, name="李四"),
        make_member(branch, name="王五"),
        make_member(branch, name="赵六"),
    ]


@pytest.fixture
def meeting(tree, people, secretary):
    """A submitted general meeting of 东村党支部 yesterday, with a PNG attached."""
    found = services.meeting_save(
        organisation=tree["branch"],
        kind=kind("general"),
        starts_at=at(yesterday()),
        topic="学习党章",
        submit=True,
        by=secretary,
    )
    attachment_services.attachment_add(
        meeting=found, file=SimpleUploadedFile("签到表.png", PNG), kind="sign_in", by=secretary
    )
    return found


def form_data(day=None, **extra):
    data = {
        "day": (day or yesterday()).isoformat(),
        "starts_at": "09:30",
        "ends_at": "11:00",
        "topic": "学习二十大精神",
        "action": "submit",
    }
    data.update(extra)
    return data


# --- who may do what -------------------------------------------------------------------------------

# name, what the pk is, method, the roles allowed
VIEWS = [
    ("list", "org", "get", {"secretary", "reviewer"}),
    ("record", "org", "get", {"secretary"}),
    ("detail", "meeting", "get", {"secretary", "reviewer"}),
    ("edit", "meeting", "get", {"secretary"}),
    ("return", "meeting", "get", {"reviewer"}),
    ("cancel", "meeting", "get", {"secretary"}),
    ("attachment", "attachment", "get", {"secretary", "reviewer"}),
    ("submit", "meeting", "post", {"secretary"}),
    ("attach", "meeting", "post", {"secretary"}),
]


def _target(what, tree, meeting):
    if what == "org":
        return tree["branch"].pk
    if what == "attachment":
        return meeting.attachments.get().pk
    return meeting.pk


@pytest.mark.parametrize("name,what,method,allowed", VIEWS, ids=[v[0] for v in VIEWS])
@pytest.mark.parametrize("who", ["secretary", "reviewer", "outsider"])
def test_access(request, login, tree, meeting, name, what, method, allowed, who):
    client = login(request.getfixturevalue(who))
    response = getattr(client, method)(url(name, _target(what, tree, meeting)))
    if who in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name,what,method,allowed", VIEWS, ids=[v[0] for v in VIEWS])
def test_anonymous_goes_to_login(client, tree, meeting, name, what, method, allowed):
    response = getattr(client, method)(url(name, _target(what, tree, meeting)))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_reviewer_does_not_post_a_record(login, reviewer, tree, people):
    response = login(reviewer).post(url("record", tree["branch"].pk) + "?kind=general", form_data())
    assert response.status_code == 404 and not Meeting.objects.exists()


def test_secretary_cannot_return(login, secretary, meeting):
    response = login(secretary).post(url("return", meeting.pk), {"reason": "不行"})
    assert response.status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).status == "submitted"


def test_outsider_does_not_download(login, outsider, meeting):
    assert login(outsider).get(url("attachment", meeting.attachments.get().pk)).status_code == 404


# --- 记录会议 -------------------------------------------------------------------------------------


def test_choose_page_offers_kinds_most_needed_first(login, secretary, tree):
    response = login(secretary).get(url("record", tree["branch"].pk))
    html = response.content.decode()
    assert response.status_code == 200 and "最需要召开" in html
    codes = [k.code for k in response.context["kinds"]]
    assert "general" in codes and "group" not in codes and "talk" not in codes
    assert url("record", tree["group"].pk) in html  # the party group's own entry


def test_group_records_only_group_meetings(login, secretary, tree, people):
    client = login(secretary)
    page = client.get(url("record", tree["group"].pk))
    assert page.status_code == 200 and page.context["kind"].code == "group"
    assert [m.name for m in page.context["form"].members] == ["张三"]
    # Asking a group for a general meeting offers the choice again; a POST saves nothing.
    wrong = client.post(url("record", tree["group"].pk) + "?kind=general", form_data())
    assert wrong.status_code == 302 and not Meeting.objects.exists()
    saved = client.post(url("record", tree["group"].pk) + "?kind=group", form_data())
    assert saved.status_code == 302
    found = Meeting.objects.get()
    assert (found.organisation, found.branch, found.kind.code) == (tree["group"], tree["branch"], "group")


def test_form_shows_everyone_present_by_default(login, secretary, tree, people):
    response = login(secretary).get(url("record", tree["branch"].pk) + "?kind=general")
    assert response.status_code == 200
    lines = response.context["lines"]
    # In pinyin on PostgreSQL (li, wang, zhang, zhao), in code-point order on SQLite.
    pinyin = connection.vendor == "postgresql"
    expected = ["李四", "王五", "张三", "赵六"] if pinyin else sorted(m.name for m in people)
    assert [line["member"].name for line in lines] == expected
    assert all(line["value"] == "present" for line in lines)
    html = response.content.decode()
    assert html.count('value="present" autocomplete="off" checked') == 4
    assert 'name="lecturer"' not in html  # only a party lecture has a lecturer
    lecture = login(secretary).get(url("record", tree["branch"].pk) + "?kind=lecture")
    assert 'name="lecturer"' in lecture.content.decode()


def test_record_creates_meeting_with_attendance(login, secretary, tree, people):
    zhang, li, wang, _ = people
    data = form_data(
        **{
            f"a-{li.pk}": "leave",
            f"r-{li.pk}": "外出务工",
            f"a-{wang.pk}": "absent",
            "place": "村委会会议室",
            "guests": "王明 镇党委组织委员\n李华",
        }
    )
    response = login(secretary).post(url("record", tree["branch"].pk) + "?kind=general", data)
    found = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", found.pk)
    assert (found.status, found.present_count, found.expected_count) == ("submitted", 2, 4)
    assert found.starts_at == at(yesterday(), 9, 30) and found.ends_at == at(yesterday(), 11)
    marks = {a.member_id: (a.presence, a.reason) for a in Attendance.objects.filter(meeting=found)}
    assert marks == {
        zhang.pk: ("present", ""),
        li.pk: ("leave", "外出务工"),
        wang.pk: ("absent", ""),
        people[3].pk: ("present", ""),
    }
    assert list(Guest.objects.filter(meeting=found).values_list("name", "note")) == [
        ("王明", "镇党委组织委员"),
        ("李华", ""),
    ]
    detail = login(secretary).get(response["Location"])
    assert "已提交会议记录" in detail.content.decode()


def test_draft_stays_draft(login, secretary, tree, people):
    login(secretary).post(url("record", tree["branch"].pk) + "?kind=general", form_data(action="draft"))
    assert Meeting.objects.get().status == "draft"


def test_fifty_attendees_in_at_most_18_queries(login, secretary, tree, django_assert_max_num_queries):
    members = [make_member(tree["branch"], name=f"党员{i:02d}") for i in range(50)]
    data = form_data(**{f"a-{members[0].pk}": "leave", f"r-{members[0].pk}": "病假"})
    client = login(secretary)
    client.get(url("list", tree["branch"].pk))  # the session is warm, as on a phone
    # The roster is read by the view and again in the save's transaction, each time with the
    # members who transferred out after the day read first (an index scan instead of a full one).
    # The audit trail adds two: the meeting's history row and one INSERT for the fifty attendance rows'.
    with django_assert_max_num_queries(18):
        response = client.post(url("record", tree["branch"].pk) + "?kind=general", data)
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting__topic="学习二十大精神").count() == 50


@pytest.mark.parametrize(
    "bad,field",
    [({"topic": ""}, "topic"), ({"starts_at": "15:00", "ends_at": "14:00"}, "ends_at")],
    ids=["empty topic", "end before start"],
)
def test_bad_post_keeps_input_and_writes_nothing(login, secretary, tree, people, bad, field):
    li = people[1]
    data = form_data(place="党员活动室", **{f"a-{li.pk}": "leave", f"r-{li.pk}": "住院"}, **bad)
    response = login(secretary).post(url("record", tree["branch"].pk) + "?kind=general", data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    html = response.content.decode()
    assert "党员活动室" in html and "住院" in html
    assert f'id="a-{li.pk}-leave" value="leave" autocomplete="off" checked' in html
    if bad.get("topic") != "":
        assert "学习二十大精神" in html
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_changed_date_shows_that_days_roster(login, secretary, tree, people):
    """A member admitted after the earlier date is not expected then; the page notices a changed date."""
    admitted = yesterday() - dt.timedelta(days=1)
    late = make_member(tree["branch"], name="新同志", stage="probationary", admitted_on=admitted)
    earlier = yesterday() - dt.timedelta(days=10)
    client = login(secretary)
    today_page = client.get(url("record", tree["branch"].pk), {"kind": "general", "date": yesterday()})
    assert late in today_page.context["form"].members
    page = client.get(url("record", tree["branch"].pk), {"kind": "general", "date": earlier.isoformat()})
    assert late not in page.context["form"].members and page.context["roster_day"] == earlier
    # The date changed on the form without reloading: nothing saved, the new day's list shown.
    data = form_data(day=earlier, roster_day=yesterday().isoformat(), **{f"a-{late.pk}": "absent"})
    response = client.post(url("record", tree["branch"].pk) + "?kind=general", data)
    assert response.status_code == 200 and "出席名单已按新日期更新" in response.content.decode()
    assert late not in response.context["form"].members and not Meeting.objects.exists()
    again = dict(data, roster_day=earlier.isoformat())
    again.pop(f"a-{late.pk}")
    assert client.post(url("record", tree["branch"].pk) + "?kind=general", again).status_code == 302
    assert Meeting.objects.get().expected_count == 4


def test_late_entry_is_marked(login, secretary, tree, people):
    old = timezone.localdate() - dt.timedelta(days=45)
    login(secretary).post(url("record", tree["branch"].pk) + "?kind=general", form_data(day=old))
    found = Meeting.objects.get()
    assert found.is_late
    assert "补录" in login(secretary).get(url("list", tree["branch"].pk)).content.decode()


# --- the list --------------------------------------------------------------------------------------


def _meetings(tree, n, by):
    for i in range(n):
        services.meeting_save(
            organisation=tree["group"] if i % 3 == 0 else tree["branch"],
            kind=kind("group") if i % 3 == 0 else kind("theme_day"),
            starts_at=at(yesterday() - dt.timedelta(days=i)),
            topic=f"会议{i}",
            submit=i % 2 == 0,
            by=by,
        )


def test_list_shows_meetings_and_filters(login, secretary, tree, people):
    _meetings(tree, 4, secretary)
    client = login(secretary)
    response = client.get(url("list", tree["branch"].pk))
    html = response.content.decode()
    assert response.status_code == 200 and response.context["page"].paginator.count == 4
    assert "出席4/应到4" in html and "出席1/应到1" in html  # the group has one member
    assert url("record", tree["branch"].pk) in html and url("calendar", tree["branch"].pk) in html
    drafts = client.get(url("list", tree["branch"].pk), {"status": "draft"})
    assert drafts.context["page"].paginator.count == 2
    groups = client.get(url("list", tree["branch"].pk), {"kind": "group", "year": "abc"})
    assert groups.status_code == 200 and groups.context["page"].paginator.count == 2


def test_reviewer_sees_list_without_record_button(login, reviewer, tree, people, secretary):
    _meetings(tree, 2, secretary)
    response = login(reviewer).get(url("list", tree["branch"].pk))
    assert response.status_code == 200 and url("record", tree["branch"].pk) not in response.content.decode()


def test_list_queries_do_not_grow(login, secretary, tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(secretary)
    _meetings(tree, 3, secretary)
    client.get(url("list", tree["branch"].pk))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("list", tree["branch"].pk)).status_code == 200
    _meetings(tree, 27, secretary)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("list", tree["branch"].pk))
    assert response.context["page"].paginator.count == 30
    assert len(many) == len(few)


# --- the record's page -----------------------------------------------------------------------------


def test_detail_shows_groups_counts_and_escapes_minutes(login, secretary, tree, people):
    li, wang = people[1], people[2]
    found = services.meeting_save(
        organisation=tree["branch"],
        kind=kind("general"),
        starts_at=at(yesterday()),
        topic="学习",
        minutes="第一行<script>alert(1)</script>\n第二行",
        agenda="一、<b>学习</b>",
        attendance={li.pk: services.Mark("leave", "探亲"), wang.pk: services.Mark("absent")},
        guests=[("王明", "镇党委")],
        submit=True,
    )
    html = login(secretary).get(url("detail", found.pk)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>学习</b>" not in html and "&lt;b&gt;学习&lt;/b&gt;" in html
    assert "第一行" in html and "<br>第二行" in html
    assert "李四（探亲）" in html and "王明（镇党委）" in html and "50%" in html
    assert url("resolution_add", found.pk) in html  # a general meeting may vote


def test_detail_buttons_by_role(login, secretary, reviewer, meeting):
    mine = login(secretary).get(url("detail", meeting.pk)).content.decode()
    assert url("edit", meeting.pk) in mine and url("cancel", meeting.pk) in mine
    assert url("return", meeting.pk) not in mine
    assert url("submit", meeting.pk) not in mine  # already submitted
    theirs = login(reviewer).get(url("detail", meeting.pk)).content.decode()
    assert url("return", meeting.pk) in theirs and url("edit", meeting.pk) not in theirs


def test_edit_of_submitted_meeting_keeps_a_version(login, secretary, tree, meeting, people):
    client = login(secretary)
    page = client.get(url("edit", meeting.pk))
    assert page.status_code == 200 and page.context["form"]["topic"].value() == "学习党章"
    data = form_data(topic="学习党章（修订）", **{f"a-{people[0].pk}": "absent"})
    response = client.post(url("edit", meeting.pk) + "?kind=general", data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.topic, meeting.version, meeting.present_count) == ("学习党章（修订）", 2, 3)
    version = MeetingVersion.objects.get(meeting=meeting)
    assert version.version == 1 and version.content["topic"] == "学习党章"
    html = client.get(url("detail", meeting.pk)).content.decode()
    assert 'data-version="1"' in html and "学习党章" in html


def test_edit_prefills_current_marks(login, secretary, tree, people):
    found = services.meeting_save(
        organisation=tree["branch"],
        kind=kind("general"),
        starts_at=at(yesterday()),
        topic="草稿会议",
        attendance={people[1].pk: services.Mark("leave", "出差")},
    )
    page = login(secretary).get(url("edit", found.pk))
    values = {line["member"].pk: line["value"] for line in page.context["lines"]}
    assert values[people[1].pk] == "leave" and values[people[0].pk] == "present"
    assert "出差" in page.content.decode()


def test_return_then_resubmit_keeps_both_events(login, secretary, reviewer, meeting):
    client = login(reviewer)
    assert client.get(url("return", meeting.pk)).status_code == 200
    empty = client.post(url("return", meeting.pk), {"reason": ""})
    assert empty.status_code == 200 and Meeting.objects.get(pk=meeting.pk).status == "submitted"
    assert client.post(url("return", meeting.pk), {"reason": "缺少签到表"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == "returned"

    client = login(secretary)
    page = client.get(url("detail", meeting.pk)).content.decode()
    assert "退回原因：缺少签到表" in page and url("submit", meeting.pk) in page
    assert client.post(url("submit", meeting.pk)).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == "submitted"
    kinds = list(MeetingEvent.objects.filter(meeting=meeting).values_list("kind", flat=True))
    assert kinds[-2:] == ["returned", "resubmitted"]
    html = client.get(url("detail", meeting.pk)).content.decode()
    assert 'data-event="returned"' in html and 'data-event="resubmitted"' in html and "缺少签到表" in html


def test_submit_a_draft(login, secretary, tree, people):
    found = services.meeting_save(
        organisation=tree["branch"], kind=kind("general"), starts_at=at(yesterday()), topic="草稿"
    )
    assert login(secretary).post(url("submit", found.pk)).status_code == 302
    assert Meeting.objects.get(pk=found.pk).status == "submitted"
    assert login(secretary).get(url("submit", found.pk)).status_code == 405


def test_cancel_needs_a_reason(login, secretary, meeting):
    client = login(secretary)
    assert client.post(url("cancel", meeting.pk), {"reason": ""}).status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).status == "submitted"
    assert client.post(url("cancel", meeting.pk), {"reason": "重复录入"}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "重复录入")
    html = client.get(url("detail", meeting.pk)).content.decode()
    assert "重复录入" in html and url("edit", meeting.pk) not in html
    assert client.get(url("edit", meeting.pk)).status_code == 302  # cancelled: back to the record


# --- attachments -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name,content", [("照片.png", PNG), ("通知.pdf", PDF)])
def test_upload_accepts_png_and_pdf(login, secretary, meeting, name, content):
    response = login(secretary).post(
        url("attach", meeting.pk), {"kind": "photo", "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    added = Attachment.objects.filter(meeting=meeting).latest("pk")
    assert added.name == name
    download = login(secretary).get(url("attachment", added.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert "attachment" in download["Content-Disposition"]


def test_upload_refuses_text_named_pdf(login, secretary, meeting):
    before = Attachment.objects.count()
    response = login(secretary).post(
        url("attach", meeting.pk),
        {"kind": "document", "file": SimpleUploadedFile("报告.pdf", b"just some text, not a PDF")},
    )
    assert response.status_code == 200
    assert "只能上传 PDF、JPG 或 PNG" in response.content.decode()
    assert Attachment.objects.count() == before


def test_reviewer_downloads(login, reviewer, meeting):
    response = login(reviewer).get(url("attachment", meeting.attachments.get().pk))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG


GARBAGE = {
    "page": "abc",
    "year": "abc",
    "kind": "zzz",
    "status": "zzz",
    "date": "2026-02-30",
    "day": "9999-99-99",
    "roster_day": "x",
    "starts_at": "25:61",
    "ends_at": "abc",
    "topic": "x" * 300,
    "guests": "\x00",
    "action": "zzz",
    "reason": "",
    "file": "abc",
    "a-1": "zzz",
}


@pytest.mark.parametrize("who", ["secretary", "reviewer", "admin_user"])
def test_garbage_never_gives_500(request, login, tree, meeting, who):
    client = login(request.getfixturevalue(who))
    client.raise_request_exception = False
    failures = []
    for name, what, _method, _allowed in VIEWS:
        target = url(name, _target(what, tree, meeting))
        for method in ("get", "post"):
            for query in ("", "?kind=zzz", "?kind=general&date=abc"):
                status = getattr(client, method)(target + query, GARBAGE).status_code
                if status >= 500:
                    failures.append(f"{method} {target}{query} → {status}")
    assert not failures, failures
