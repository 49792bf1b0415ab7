"""Hostile values posted to the main forms through the real views (issue 9, "Bad input").

For each form a valid POST is built once, then hypothesis replaces a few of its fields by
hostile values (strategies.py). Whatever comes in, the page must answer without a server error,
and the write is all or nothing: a refused POST leaves every involved table as it was, an
accepted one stores the whole object (a meeting with all its attendance rows, a month's dues for
everyone ticked) with the text as the form cleaned it and never a NUL character, which
PostgreSQL refuses in text and must therefore be a form error, not a 500.

The test client re-raises any exception of a view, so "never an unhandled exception" is checked
by the POST itself; the status check covers errors rendered as a 5xx page.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localdate as today
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from archives import demo_documents
from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.models import Document, DocumentCategory
from assessment.defaults import ensure_defaults as ensure_rating_defaults
from assessment.models import (
    CaseStatus,
    ItemStatus,
    ItemType,
    Objection,
    Rating,
    RatingEvent,
    RectificationCase,
    RectificationItem,
    Score,
    Stage,
)
from assessment.rules import cents
from assessment.rules import total as rating_total
from assessment.services import rectification as rectification_services
from assessment.services.publicity import publicity_open
from assessment.views import publicity as publicity_views
from branches.models import Notice, Organisation, Term
from meetings.models import Attendance, Guest, Meeting
from members import idcard
from members.models import DuesPayment, Member, StageChange
from members.services import dues as dues_services
from tests.assessment.conftest import YEAR as RATING_YEAR
from tests.assessment.conftest import make_rating
from tests.factories import make_member

from .strategies import hostile_date, hostile_number, hostile_text, hostile_time, overrides

EXAMPLES = 30
hostile = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BIRTH = dt.date(1985, 6, 15)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# ---------------------------------------------------------------- helpers


def snapshot(*querysets) -> list[list[tuple]]:
    """Every row of the involved tables, so a refused POST can be shown to have changed nothing."""
    return [sorted(qs.values_list(), key=repr) for qs in querysets]


def assert_answered(response):
    """No server error; the outcome is counted for --hypothesis-show-statistics."""
    if currently_in_test_context():
        event(f"answered {response.status_code}")
    assert response.status_code < 500, response.status_code


def assert_no_nul(obj):
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if isinstance(value, str):
            assert "\x00" not in value, (field.name, value)


def stripped(value: str) -> str:
    """What a Django CharField keeps of a value (strip=True)."""
    return value.strip()


def accepted(response) -> bool:
    return response.status_code == 302


def media_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# ---------------------------------------------------------------- members: create and edit

MEMBER_FIELDS = {
    "name": hostile_text(),
    "gender": hostile_text(),
    "ethnicity": hostile_text(),
    "birth_date": hostile_date(),
    "id_number": hostile_text(),
    "education": hostile_text(),
    "phone": hostile_text(),
    "work_unit": hostile_text(),
    "post": hostile_text(),
    "party_group": hostile_number(),
    "dues_category": hostile_text(),
    "stage": hostile_text(),
    "admitted_on": hostile_date(),
    "confirmed_on": hostile_date(),
    "admission_doc_no": hostile_text(),
    "confirmation_doc_no": hostile_text(),
}
FREE_TEXT = ("name", "ethnicity", "work_unit", "post", "admission_doc_no", "confirmation_doc_no")


def member_post(seq: int, group) -> dict:
    return {
        "name": "张三",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": BIRTH.isoformat(),
        "id_number": idcard.make_id_number("330102", BIRTH, (seq * 2 + 1) % 1000),
        "education": "",
        "phone": "13812345678",
        "work_unit": "东村村委会",
        "post": "",
        "party_group": str(group.pk),
        "dues_category": "employed",
        "stage": "full",
        "admitted_on": "2015-07-01",
        "confirmed_on": "2016-07-01",
        "admission_doc_no": "",
        "confirmation_doc_no": "",
    }


@hostile
@given(bad=overrides(MEMBER_FIELDS))
def test_member_create_survives_hostile_input(login, secretary, tree, bad):
    client = login(secretary)
    url = reverse("members:create", args=[tree["branch"].pk])
    seq = next(_sequence)
    data = {**member_post(seq, tree["group"]), **bad}
    before = snapshot(Member.objects.all(), StageChange.objects.all())
    last = Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(url, data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(Member.objects.all(), StageChange.objects.all()) == before
        return
    member = Member.objects.get(pk__gt=last)
    assert member.organisation_id == tree["branch"].pk
    assert_no_nul(member)
    for name in FREE_TEXT:
        if name in bad:
            assert getattr(member, name) == stripped(data[name]), name
    assert StageChange.objects.filter(member=member).exists() or member.stage == data["stage"]


_sequence = itertools.count(1)


@hostile
@given(bad=overrides({k: v for k, v in MEMBER_FIELDS.items() if k not in ("stage", "admitted_on")}))
def test_member_edit_survives_hostile_input(login, secretary, tree, bad):
    member = Member.objects.filter(name="被编辑者").first() or make_member(tree["branch"], name="被编辑者")
    client = login(secretary)
    data = {**member_post(0, tree["group"]), "id_number": member.id_number, "name": member.name, **bad}
    before = snapshot(Member.objects.all(), StageChange.objects.all())
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(Member.objects.all(), StageChange.objects.all()) == before
        return
    member.refresh_from_db()
    assert_no_nul(member)
    for name in ("ethnicity", "work_unit", "post"):
        if name in bad:
            assert getattr(member, name) == stripped(data[name]), name
    if "name" in bad:
        assert member.name == stripped(data["name"])
    else:
        member.name = "被编辑者"  # the next example finds it again
        member.save(update_fields=["name"])


# ---------------------------------------------------------------- meetings: record


MEETING_FIELDS = {
    "day": hostile_date(),
    "starts_at": hostile_time(),
    "ends_at": hostile_time(),
    "topic": hostile_text(),
    "place": hostile_text(),
    "host": hostile_text(),
    "recorder": hostile_text(),
    "agenda": hostile_text(),
    "minutes": hostile_text(),
    "guests": hostile_text(),
    "roster_day": hostile_date(),
    "action": hostile_text(),
}
MEETING_TEXT = ("topic", "place", "host", "recorder", "agenda", "minutes")


@pytest.fixture
def four(tree):
    return [make_member(tree["branch"], name=f"与会{n}") for n in range(4)]


def meeting_tables():
    return (Meeting.objects.all(), Attendance.objects.all(), Guest.objects.all())


@hostile
@given(
    bad=overrides(MEETING_FIELDS),
    marks=st.lists(st.tuples(hostile_text(), hostile_text()), min_size=4, max_size=4),
    mark_some=st.booleans(),
)
def test_meeting_record_survives_hostile_input(login, secretary, tree, four, bad, marks, mark_some):
    client = login(secretary)
    day = today() - dt.timedelta(days=1)
    data = {
        "day": day.isoformat(),
        "roster_day": day.isoformat(),
        "starts_at": "09:00",
        "ends_at": "10:30",
        "topic": "学习党章",
        "place": "村部会议室",
        "guests": "王明 镇党委组织委员",
        **bad,
    }
    if mark_some:
        for member, (presence, reason) in zip(four, marks, strict=True):
            data[f"a-{member.pk}"] = presence
            data[f"r-{member.pk}"] = reason
    before = snapshot(*meeting_tables())
    last = Meeting.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    url = reverse("meetings:record", args=[tree["branch"].pk]) + "?kind=general"
    response = client.post(url, data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(*meeting_tables()) == before
        return
    meeting = Meeting.objects.get(pk__gt=last)
    assert_no_nul(meeting)
    assert meeting.attendances.count() == len(four)
    for row in meeting.attendances.all():
        assert_no_nul(row)
    guest_lines = [line for line in stripped(data["guests"]).splitlines() if line.split()]
    assert meeting.guests.count() == len(guest_lines)
    for guest in meeting.guests.all():
        assert_no_nul(guest)
    for name in MEETING_TEXT:
        if name in bad:
            assert getattr(meeting, name) == stripped(data[name]), name


# ---------------------------------------------------------------- dues: the month's sheet


@pytest.fixture
def priced(tree):
    """Three members with this year's base, so each owes this month."""
    people = [make_member(tree["branch"], name=f"交费{n}") for n in range(3)]
    dues_services.dues_bases_set(
        organisation=tree["branch"],
        year=today().year,
        entries=[
            dues_services.BaseEntry(member_id=m.pk, category="employed", base=Decimal("3000")) for m in people
        ],
    )
    return people


@hostile
@given(
    paid_on=st.one_of(st.builds(lambda: today().isoformat()), hostile_date()),
    lines=st.lists(
        st.tuples(
            st.sampled_from(["on", "", "off", "\x00", "1"]),
            st.one_of(st.sampled_from(["90", "90.00", "0.01", " 15.5 ", ""]), hostile_number()),
            st.one_of(st.just(""), hostile_text()),
        ),
        min_size=3,
        max_size=3,
    ),
)
def test_dues_month_survives_hostile_input(login, secretary, tree, priced, paid_on, lines):
    client = login(secretary)
    data = {"paid_on": paid_on}
    for member, (tick, amount, receipt) in zip(priced, lines, strict=True):
        if tick:
            data[f"paid-{member.pk}"] = tick
        data[f"amount-{member.pk}"] = amount
        data[f"receipt-{member.pk}"] = receipt
    before = snapshot(DuesPayment.objects.all())
    response = client.post(reverse("members:dues_month", args=[tree["branch"].pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(DuesPayment.objects.all()) == before
        return
    month = today().replace(day=1)
    for member, (tick, amount, receipt) in zip(priced, lines, strict=True):
        payment = DuesPayment.objects.filter(member=member, month=month).first()
        if tick and payment is not None and payment.paid_on is not None:
            assert_no_nul(payment)
            assert payment.amount_paid == Decimal(amount.strip())
            assert payment.receipt_no == stripped(receipt)


# ---------------------------------------------------------------- branches: a new term, a new organisation


TERM_FIELDS = {
    "number": hostile_number(),
    "elected_on": hostile_date(),
    "length_years": hostile_number(),
    "expires_on": hostile_date(),
    "adjustment_doc_no": hostile_text(),
    "adjustment_approved_on": hostile_date(),
}


@hostile
@given(bad=overrides(TERM_FIELDS))
def test_term_open_survives_hostile_input(login, secretary, tree, bad):
    client = login(secretary)
    branch = tree["branch"]
    last = Term.objects.filter(organisation=branch).order_by("-number").first()
    data = {
        "number": str(last.number + 1),
        "elected_on": (last.elected_on + dt.timedelta(days=1)).isoformat(),  # later than the last one
        "length_years": "3",
        **bad,
    }
    before = snapshot(Term.objects.all())
    response = client.post(reverse("branches:term_open", args=[branch.pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(Term.objects.all()) == before
        return
    term = Term.objects.filter(organisation=branch).order_by("-pk").first()
    assert term.number == int(data["number"].strip())
    assert Term.objects.filter(organisation=branch, status="current").count() == 1
    assert_no_nul(term)


ORG_FIELDS = {
    "name": hostile_text(),
    "short_name": hostile_text(),
    "kind": hostile_text(),
    "sector": hostile_text(),
    "code": hostile_text(),
    "founded_on": hostile_date(),
    "address": hostile_text(),
}


@hostile
@given(bad=overrides(ORG_FIELDS))
def test_organisation_create_survives_hostile_input(login, admin_user, tree, bad):
    client = login(admin_user)
    town = tree["town"]
    data = {
        "name": "南村党支部",
        "short_name": "",
        "kind": "branch",
        "sector": "village",
        "code": f"H{next(_sequence):05d}",
        "founded_on": "2020-07-01",
        "address": "",
        **bad,
    }
    before = snapshot(Organisation.objects.all())
    last = Organisation.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.post(reverse("branches:org_create", args=[town.pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(Organisation.objects.all()) == before
        return
    org = Organisation.objects.get(pk__gt=last)
    assert_no_nul(org)
    assert org.parent_id == town.pk and org.depth == town.depth + 1 and org.path.startswith(town.path)
    for name in ("name", "short_name", "address"):
        if name in bad:
            assert getattr(org, name) == stripped(data[name]), name


# ---------------------------------------------------------------- archives: a document's metadata


UPLOAD_FIELDS = {
    "year": hostile_number(),
    "category": hostile_number(),
    "title": hostile_text(),
    "tags": hostile_text(),
}


@hostile
@given(bad=overrides(UPLOAD_FIELDS), text=st.text(st.characters(min_codepoint=65, max_codepoint=90)))
def test_document_upload_survives_hostile_metadata(login, secretary, tree, settings, bad, text):
    ensure_archive_defaults()
    client = login(secretary)
    data = {
        "year": str(today().year),
        "category": str(DocumentCategory.objects.get(code="meeting-docs").pk),
        "title": "支部党员大会记录",
        "tags": "主题党日",
        **bad,
        # A different PDF each time, so a duplicate file is not why a post is refused.
        "file": SimpleUploadedFile("记录.pdf", demo_documents.pdf_bytes(f"doc {text}")),
    }
    before, files = snapshot(Document.objects.all()), media_files(settings)
    last = Document.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(reverse("archives:document_upload", args=[tree["branch"].pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(Document.objects.all()) == before
        assert media_files(settings) == files  # no file left behind without its row
        return
    document = Document.objects.get(pk__gt=last)
    assert_no_nul(document)
    assert document.title == stripped(data["title"])
    assert len(media_files(settings)) == len(files) + 1


# ---------------------------------------------------------------- the public board: an objection


@pytest.fixture
def open_item(tree, monkeypatch):
    monkeypatch.setattr(publicity_views, "_today", lambda: today())
    return publicity_open(
        organisation=tree["branch"],
        subject="rating",
        title="东村党支部年度星级评定结果：4星",
        body="考评总分85分。",
        starts_on=today() - dt.timedelta(days=2),
        ends_on=today() + dt.timedelta(days=3),
    )


_addresses = itertools.count(1)


@hostile
@given(bad=overrides({"text": hostile_text(), "name": hostile_text(), "phone": hostile_text()}))
def test_objection_survives_hostile_input(db, open_item, bad):
    client = Client()  # anonymous: the board has no login
    n = next(_addresses)
    data = {"text": "材料与实际不符。", **bad}
    before = snapshot(Objection.objects.all())
    url = reverse("board:objection", args=["C1", open_item.pk])
    response = client.post(url, data, REMOTE_ADDR=f"10.9.{n // 250}.{n % 250 + 1}")
    assert_answered(response)
    if not accepted(response):
        assert snapshot(Objection.objects.all()) == before
        return
    objection = Objection.objects.order_by("-pk").first()
    assert_no_nul(objection)
    assert objection.text == stripped(data["text"])


# ---------------------------------------------------------------- ratings: the self-assessment (支部自评)

# The fields are named by the item's position among those the branch scores (an automatic base item,
# "三会一课" with 12 points, a bonus and a penalty item); the test turns "points@2" into "points-<id>".
SELF_POSITIONS = (0, 2, 9, 12)
SELF_FIELDS = {
    "report": hostile_text(),
    "action": hostile_text(),
    **{f"points@{n}": hostile_number() for n in SELF_POSITIONS},
    **{f"note@{n}": hostile_text() for n in SELF_POSITIONS},
}


@pytest.fixture
def self_rating(tree):
    """The branch's rating at 支部自评, every item scored once (tests/assessment's make_rating)."""
    ensure_rating_defaults(RATING_YEAR)
    return make_rating(tree["branch"], total="50")


def self_scores(rating) -> list[Score]:
    """The scores the secretary enters (not the appraisal), in the form's order."""
    scores = rating.scores.select_related("item").exclude(item__item_type=ItemType.APPRAISAL)
    return list(scores.order_by("item__order", "pk"))


def self_post(rating) -> dict:
    """The form as the page shows it: each item's points and note as stored, and the report."""
    data = {"report": "全年抓党建情况", "action": "save"}
    for s in self_scores(rating):
        data[f"points-{s.item_id}"] = "" if s.self_points is None else str(s.self_points)
        data[f"note-{s.item_id}"] = s.self_note
    return data


def rating_tables():
    return (Rating.objects.all(), Score.objects.all(), RatingEvent.objects.all())


@hostile
@given(bad=overrides(SELF_FIELDS))
def test_self_assessment_survives_hostile_input(login, secretary, self_rating, bad):
    client = login(secretary)
    scores = self_scores(self_rating)
    data = self_post(self_rating)
    for key, value in bad.items():
        field, _, n = key.partition("@")
        data[f"{field}-{scores[int(n)].item_id}" if n else field] = value
    before = snapshot(*rating_tables())
    response = client.post(reverse("assessment:rating_self", args=[self_rating.pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(*rating_tables()) == before
        return
    rating = Rating.objects.get(pk=self_rating.pk)
    assert rating.stage == Stage.SELF  # "action" only chooses the next page
    assert_no_nul(rating)
    assert rating.report == stripped(data["report"])
    for s in self_scores(rating):  # every item of the form, not just the hostile ones
        assert_no_nul(s)
        sent = stripped(data[f"points-{s.item_id}"])
        assert s.self_points == (None if sent == "" else cents(Decimal(sent))), s.item.title
        assert 0 <= (s.self_points or 0) <= s.item.max_points
        assert s.self_note == stripped(data[f"note-{s.item_id}"])
    everything = rating.scores.select_related("item")
    assert rating.self_total == rating_total((s.item.item_type, s.self_points) for s in everything)


# ---------------------------------------------------------------- rectification (整改): a case, an item, done


def rect_tables():
    return (RectificationCase.objects.all(), RectificationItem.objects.all(), Notice.objects.all())


@pytest.fixture
def rect_case(tree):
    """The branch's open case, decided 60 days ago."""
    return rectification_services.case_open(
        organisation=tree["branch"], reason="年度星级评定为二星", opened_on=today() - dt.timedelta(days=60)
    )


CASE_FIELDS = {"code": hostile_text(), "reason": hostile_text(), "opened_on": hostile_date()}


@hostile
@given(bad=overrides(CASE_FIELDS))
def test_rectification_case_open_survives_hostile_input(login, reviewer, tree, bad):
    client = login(reviewer)
    data = {
        "code": tree["other_branch"].code,
        "reason": "班子软弱涣散",
        "opened_on": today().isoformat(),
        **bad,
    }
    before = snapshot(*rect_tables())
    last = RectificationCase.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(reverse("assessment:case_add", args=[tree["town"].pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(*rect_tables()) == before
        return
    case = RectificationCase.objects.get(pk__gt=last)
    assert_no_nul(case)
    assert case.organisation_id == tree["other_branch"].pk and case.status == CaseStatus.OPEN
    assert case.reason == stripped(data["reason"]) and case.opened_on <= today()
    assert_answered(client.get(case.get_absolute_url()))  # the stored case shows
    assert_answered(client.get(reverse("assessment:case_list", args=[tree["town"].pk])))
    # Closed again, so the next example may list the branch anew (one open case per branch).
    RectificationCase.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_on=today())


ITEM_FIELDS = {
    "problem": hostile_text(),
    "measure": hostile_text(),
    "owner": hostile_text(),
    "deadline": hostile_date(),
}


def item_post() -> dict:
    return {
        "problem": "组织生活不规范",
        "measure": "按月召开支部党员大会",
        "owner": "张书记",
        "deadline": (today() + dt.timedelta(days=30)).isoformat(),
    }


@hostile
@given(bad=overrides(ITEM_FIELDS), by_reviewer=st.booleans())
def test_rectification_item_add_survives_hostile_input(
    login, reviewer, secretary, rect_case, bad, by_reviewer
):
    client = login(reviewer if by_reviewer else secretary)
    data = {**item_post(), **bad}
    before = snapshot(*rect_tables())
    last = RectificationItem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(reverse("assessment:item_add", args=[rect_case.pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(*rect_tables()) == before
        return
    item = RectificationItem.objects.get(pk__gt=last)
    assert_no_nul(item)
    assert item.case_id == rect_case.pk and item.status == ItemStatus.OPEN
    for name in ("problem", "measure", "owner"):
        assert getattr(item, name) == stripped(data[name]), name
    assert item.deadline >= rect_case.opened_on
    # The reviewer's item is notified to the branch's secretary, in the same write.
    notified = Notice.objects.filter(dedupe_key=f"rectification-item-{item.pk}").exists()
    assert notified == by_reviewer
    assert_answered(client.get(rect_case.get_absolute_url()))  # the stored deadline shows


_uploads = itertools.count(1)


@hostile
@given(
    note=hostile_text(),
    upload=st.one_of(
        st.none(),
        st.tuples(
            st.one_of(st.just("完成情况.pdf"), hostile_text()),
            st.sampled_from(["pdf", "empty", "exe", "fake-pdf"]),
        ),
    ),
)
def test_rectification_item_done_survives_hostile_input(login, secretary, rect_case, settings, note, upload):
    item = rectification_services.item_add(
        case=rect_case,
        problem="台账不全",
        measure="补齐三本五盒",
        owner="李委员",
        deadline=today(),
        by=secretary,
    )
    client = login(secretary)
    data = {"note": note}
    if upload is not None:
        name, kind = upload
        content = {
            "pdf": demo_documents.pdf_bytes(f"item {next(_uploads)}"),
            "empty": b"",
            "exe": b"MZ\x90\x00" + b"\x00" * 60,
            "fake-pdf": b"<html>%PDF-1.4</html>",
        }[kind]
        data["evidence"] = sent = io.BytesIO(content)
        sent.name = name  # raw into the part's header, as a script may send it (SimpleUploadedFile checks it)
    before, files = snapshot(*rect_tables()), media_files(settings)
    response = client.post(reverse("assessment:item_done", args=[item.pk]), data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(*rect_tables()) == before
        assert media_files(settings) == files  # no evidence file without its item
        return
    item.refresh_from_db()
    assert_no_nul(item)
    assert item.status == ItemStatus.DONE and item.done_at is not None
    assert item.done_note == stripped(note)
    stored = len(media_files(settings)) - len(files)
    assert stored == (1 if item.evidence else 0)
    assert bool(item.evidence) == bool(item.evidence_sha256) == bool(item.evidence_name)


# ---------------------------------------------------------------- plain examples: the sharpest values

# Each form's text fields that reach a text column, with a valid POST around them. A NUL must be a
# form error (PostgreSQL cannot store it); a value far over the column's length must be refused or
# cut by the form or service, never reach the database (PostgreSQL raises on varchar overflow).
SHARP = ["\x00", "张\x00三", "字" * 70000, "<script>alert(1)</script>😀"]


def _member_create(request):
    tree = request.getfixturevalue("tree")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    url = reverse("members:create", args=[tree["branch"].pk])
    return client, url, member_post(next(_sequence), tree["group"]), [Member.objects.all()]


def _member_edit(request):
    tree = request.getfixturevalue("tree")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    member = make_member(tree["branch"], name="被编辑者")
    data = {**member_post(0, tree["group"]), "id_number": member.id_number, "name": member.name}
    return client, reverse("members:edit", args=[member.pk]), data, [Member.objects.all()]


def _meeting(request):
    tree = request.getfixturevalue("tree")
    four = request.getfixturevalue("four")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    day = (today() - dt.timedelta(days=1)).isoformat()
    data = {"day": day, "roster_day": day, "starts_at": "09:00", "topic": "学习党章", "guests": "王明 镇党委"}
    data |= {f"r-{four[0].pk}": "出差", f"a-{four[0].pk}": "leave"}
    url = reverse("meetings:record", args=[tree["branch"].pk]) + "?kind=general"
    return client, url, data, list(meeting_tables())


def _dues(request):
    tree = request.getfixturevalue("tree")
    priced = request.getfixturevalue("priced")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    data = {"paid_on": today().isoformat(), f"paid-{priced[0].pk}": "on", f"amount-{priced[0].pk}": "90"}
    data[f"receipt-{priced[0].pk}"] = "R001"
    return client, reverse("members:dues_month", args=[tree["branch"].pk]), data, [DuesPayment.objects.all()]


def _term(request):
    tree = request.getfixturevalue("tree")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    data = {"number": "2", "elected_on": "2024-06-01", "length_years": "5", "expires_on": "2029-06-01"}
    data |= {"adjustment_doc_no": "组字〔2024〕1号", "adjustment_approved_on": "2024-05-20"}
    return client, reverse("branches:term_open", args=[tree["branch"].pk]), data, [Term.objects.all()]


def _organisation(request):
    tree = request.getfixturevalue("tree")
    client = request.getfixturevalue("login")(request.getfixturevalue("admin_user"))
    data = {"name": "南村党支部", "kind": "branch", "sector": "village", "code": "H99999"}
    return client, reverse("branches:org_create", args=[tree["town"].pk]), data, [Organisation.objects.all()]


def _document(request):
    tree = request.getfixturevalue("tree")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    ensure_archive_defaults()
    data = {
        "year": str(today().year),
        "category": str(DocumentCategory.objects.get(code="meeting-docs").pk),
        "title": "支部党员大会记录",
        "tags": "主题党日",
        "file": SimpleUploadedFile("记录.pdf", demo_documents.pdf_bytes()),
    }
    url = reverse("archives:document_upload", args=[tree["branch"].pk])
    return client, url, data, [Document.objects.all()]


def _objection(request):
    item = request.getfixturevalue("open_item")
    data = {"text": "材料与实际不符。", "name": "王五", "phone": "13812345678"}
    return Client(), reverse("board:objection", args=["C1", item.pk]), data, [Objection.objects.all()]


def _self_score(request):
    rating = request.getfixturevalue("self_rating")
    client = request.getfixturevalue("login")(request.getfixturevalue("secretary"))
    url = reverse("assessment:rating_self", args=[rating.pk])
    return client, url, self_post(rating), list(rating_tables())


def _rect_case(request):
    tree = request.getfixturevalue("tree")
    client = request.getfixturevalue("login")(request.getfixturevalue("reviewer"))
    data = {"code": tree["other_branch"].code, "reason": "班子软弱涣散", "opened_on": today().isoformat()}
    return client, reverse("assessment:case_add", args=[tree["town"].pk]), data, list(rect_tables())


def _rect_item(request):
    case = request.getfixturevalue("rect_case")
    client = request.getfixturevalue("login")(request.getfixturevalue("reviewer"))
    return client, reverse("assessment:item_add", args=[case.pk]), item_post(), list(rect_tables())


def _rect_done(request):
    case = request.getfixturevalue("rect_case")
    secretary = request.getfixturevalue("secretary")
    item = rectification_services.item_add(
        case=case, problem="台账不全", measure="补齐三本五盒", owner="李委员", deadline=today(), by=secretary
    )
    client = request.getfixturevalue("login")(secretary)
    data = {"note": "已补齐台账并经支委会审核"}
    return client, reverse("assessment:item_done", args=[item.pk]), data, list(rect_tables())


FORMS = {
    "member_create": (
        _member_create,
        ["name", "ethnicity", "work_unit", "post", "phone", "admission_doc_no"],
    ),
    "member_edit": (_member_edit, ["name", "ethnicity", "work_unit", "post", "phone", "id_number"]),
    "meeting": (_meeting, ["topic", "place", "host", "recorder", "agenda", "minutes", "guests", "r-*"]),
    "dues": (_dues, ["receipt-*"]),
    "term": (_term, ["adjustment_doc_no"]),
    "organisation": (_organisation, ["name", "short_name", "code", "address"]),
    "document": (_document, ["title", "tags"]),
    "objection": (_objection, ["text", "name", "phone"]),
    "self_score": (_self_score, ["report", "note-*", "points-*"]),
    "rect_case": (_rect_case, ["code", "reason"]),
    "rect_item": (_rect_item, ["problem", "measure", "owner"]),
    "rect_done": (_rect_done, ["note"]),
}
SHARP_CASES = [
    pytest.param(form, field, value, id=f"{form}-{field}-{n}")
    for form, (_build, fields) in FORMS.items()
    for field in fields
    for n, value in enumerate(SHARP)
]


def _field_name(field: str, data: dict) -> str:
    """ "r-*" is the one per-member field of that prefix present in the valid POST."""
    if field.endswith("*"):
        return next(k for k in data if k.startswith(field[:-1]))
    return field


@pytest.mark.parametrize(("form", "field", "value"), SHARP_CASES)
def test_sharp_values_on_every_form(db, request, form, field, value):
    client, url, data, tables = FORMS[form][0](request)
    data[_field_name(field, data)] = value
    before = snapshot(*tables)
    response = client.post(url, data)
    assert_answered(response)
    if "\x00" in value:
        assert not accepted(response), "a NUL character was accepted"
    if not accepted(response):
        assert snapshot(*tables) == before
        return
    for table in tables:
        for row in table.model.objects.all():
            assert_no_nul(row)


# Numbers and ids past every column's range (PostgreSQL raises on integer overflow in a lookup).
SHARP_NUMBERS = ["-1", "99999999999999999999", "1e999", "NaN", "-Infinity", "１２", "9" * 5000]
NUMBER_FIELDS = {
    "member_create": ["party_group", "birth_date"],
    "meeting": ["day", "starts_at", "a-*"],
    "dues": ["amount-*", "paid_on"],
    "term": ["number", "length_years", "elected_on"],
    "organisation": ["founded_on"],
    "document": ["year", "category"],
    "self_score": ["points-*"],
    "rect_case": ["opened_on"],
    "rect_item": ["deadline"],
}


@pytest.mark.parametrize(
    ("form", "field", "value"),
    [
        pytest.param(form, field, value, id=f"{form}-{field}-{n}")
        for form, fields in NUMBER_FIELDS.items()
        for field in fields
        for n, value in enumerate(SHARP_NUMBERS)
    ],
)
def test_sharp_numbers_on_every_form(db, request, form, field, value):
    client, url, data, tables = FORMS[form][0](request)
    data[_field_name(field, data)] = value
    before = snapshot(*tables)
    response = client.post(url, data)
    assert_answered(response)
    if not accepted(response):
        assert snapshot(*tables) == before


@pytest.mark.parametrize("form", FORMS)
def test_the_valid_post_of_every_form_is_accepted(db, request, form):
    """The baseline the hostile values are put into: on its own it saves, so a refusal above is theirs."""
    client, url, data, tables = FORMS[form][0](request)
    before = snapshot(*tables)
    response = client.post(url, data)
    assert accepted(response), response.context["form"].errors if response.context else response.status_code
    assert snapshot(*tables) != before


# ---------------------------------------------------------------- bugs found (each a plain reproduction)


def test_a_too_long_guest_name_is_refused_not_cut(login, secretary, tree, four):
    client = login(secretary)
    day = (today() - dt.timedelta(days=1)).isoformat()
    name = "欧" * 51
    data = {
        "day": day,
        "roster_day": day,
        "starts_at": "09:00",
        "topic": "学习党章",
        "guests": f"{name} 镇党委",
    }
    before = snapshot(*meeting_tables())
    response = client.post(reverse("meetings:record", args=[tree["branch"].pk]) + "?kind=general", data)
    assert_answered(response)
    if accepted(response):
        assert Guest.objects.get().name == name  # stored as sent, or …
    else:
        assert snapshot(*meeting_tables()) == before  # … refused with nothing written


def test_an_election_on_9999_12_31_is_a_form_error(login, secretary, tree):
    client = login(secretary)
    before = snapshot(Term.objects.all())
    data = {"number": "2", "elected_on": "9999-12-31", "length_years": "3"}
    response = client.post(reverse("branches:term_open", args=[tree["branch"].pk]), data)
    assert response.status_code == 200
    assert snapshot(Term.objects.all()) == before
