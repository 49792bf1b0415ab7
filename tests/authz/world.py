"""The authorization matrix's world: two mirrored subtrees and one object of every kind in each.

The "in" side is the town committee whose reviewer, branch secretary and branch member are the
matrix's roles; the "out" side is a sibling committee that none of them may see. Each side is
built by the same function, so an admin (who sees both) meets the same states on either side and
a difference between the two columns of the matrix can only come from scope.

Everything goes through the services where they are cheap; the few rows whose only purpose is to
exist in a late state (an election to confirm, a ledger that is done) are written directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import demo_documents
from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.models import DocumentCategory, LedgerFile, LedgerFormat, LedgerStatus
from archives.services import documents as document_services
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from assessment.models import (
    Acceptance,
    AcceptanceStatus,
    Evidence,
    ItemType,
    ModelSite,
    RatingTemplate,
    Stage,
)
from assessment.services import acceptance as acceptance_services
from assessment.services import publicity as publicity_services
from assessment.services import ratings as rating_services
from assessment.services import rectification as rectification_services
from assessment.services.templates import template_copy
from assessment.views.publicity import THANKS_SALT
from branches.models import Role
from meetings import compliance
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from meetings.models import (
    Candidate,
    ComplianceRecord,
    Election,
    MeetingKind,
    Requirement,
    RequirementOverride,
)
from meetings.services import attachments as attachment_services
from meetings.services import elections as election_services
from meetings.services.meetings import meeting_save
from members.models import DuesBase
from members.services import members as member_services
from members.services import roster_import as import_services
from members.services import transfers as transfer_services
from tests.assessment.conftest import make_rating
from tests.factories import UserFactory, grant, make_member, make_org, make_term
from tests.members.test_import_support import person, upload_file, workbook_bytes

PDF = demo_documents.pdf_bytes()
ROLES = ("admin", "reviewer", "secretary", "member", "anonymous")
# in: the branch of the secretary and the member, under the reviewer's committee; near: another branch
# under that committee (the reviewer's, no one else's); out: a branch under a sibling committee.
SCOPES = ("in", "near", "out")
# The ratings of a branch, one a year, each stopped at the stage one group of pages acts on.
RATING_STAGES = {
    "rating": (2026, Stage.SELF, 85),
    "rating_review": (2025, Stage.REVIEW, 85),
    "rating_notice": (2024, Stage.REVIEW_NOTICE, 85),
    "rating_recheck": (2023, Stage.RECHECK, 92),
    "rating_to_name": (2022, Stage.TO_NAME, 85),
}


@dataclass
class World:
    """Users by role, and for each object key its instance in each scope (SCOPES order)."""

    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def side(self, scope: str) -> Side:
        return Side(self, scope)


@dataclass(frozen=True)
class Side:
    """One subtree's objects by key: ``side["branch"]``."""

    world: World
    scope: str

    def __getitem__(self, key: str):
        return self.world.objects[key][SCOPES.index(self.scope)]


def _side(parent, tag: str, *, today: dt.date, admin, shared: dict | None = None) -> dict:
    """Two branches (the first with a party group) and every object the URLs name, under a committee of
    their own — or, with ``shared``, under that side's committee, whose own objects they then share."""
    if shared is None:
        committee = make_org(parent, kind="committee", sector="village", name=f"{tag}镇党委", code=f"{tag}C")
        make_term(committee)
    else:
        committee = shared["committee"]
    branch = make_org(committee, name=f"{tag}东村党支部", code=f"{tag}B1", sector="village")
    group = make_org(branch, kind="party_group", name=f"{tag}第一党小组", code=f"{tag}B1G", sector="village")
    branch2 = make_org(committee, name=f"{tag}西村党支部", code=f"{tag}B2", sector="village")
    terms = {org.pk: make_term(org) for org in (branch, branch2)}
    o = {
        "committee": committee,
        "branch": branch,
        "group": group,
        "branch2": branch2,
        "term": terms[branch.pk],
    }
    full = [make_member(branch, name=f"{tag}党员{n}", party_group=group if n < 3 else None) for n in range(6)]
    o["full"] = full
    o["member"] = full[1]
    o["probationary"] = make_member(
        branch, name=f"{tag}预备", stage="probationary", admitted_on=dt.date(2026, 1, 10)
    )
    o["activist"] = make_member(
        branch, name=f"{tag}积极分子", stage="activist", activist_on=dt.date(2024, 3, 1)
    )
    DuesBase.objects.bulk_create(
        DuesBase(
            member=m,
            year=today.year,
            category="employed",
            base=Decimal("4000"),
            monthly_amount=Decimal("40.00"),
        )
        for m in full
    )
    other_full = [make_member(branch2, name=f"{tag}西村党员{n}") for n in range(5)]
    o["appointment"] = member_services.appointment_add(
        term=member_services.current_term(branch),
        member=full[0],
        position="secretary",
        appointed_on=dt.date(2024, 1, 10),
    )
    # Into the branch (its secretary decides it) and out of it (its secretary may withdraw it).
    o["transfer_in"] = transfer_services.transfer_out_internal(
        member=other_full[4], to_organisation=branch, on=today, letter_no=f"{tag}转入1"
    )
    o["transfer_out"] = transfer_services.transfer_out_internal(
        member=full[5], to_organisation=branch2, on=today, letter_no=f"{tag}转出1"
    )
    o["import"] = import_services.roster_import_upload(
        organisation=branch, file=upload_file(workbook_bytes([person(1), person(2)])), uploaded_by=admin
    )
    bad_rows = [person(3), person(4, **{"性别": "男的"})]
    o["import_invalid"] = import_services.roster_import_upload(
        organisation=branch, file=upload_file(workbook_bytes(bad_rows)), uploaded_by=admin
    )
    _meetings(o, tag, today=today, admin=admin)
    _elections(o, tag, admin=admin, shared=shared)
    _assessment(o, tag, today=today, admin=admin, shared=shared)
    _archives(o, tag, today=today, admin=admin)
    return o


def _meetings(o: dict, tag: str, *, today: dt.date, admin) -> None:
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    now = timezone.now()
    held = now - dt.timedelta(days=2)
    o["meeting"] = meeting_save(
        organisation=o["branch"],
        kind=kinds["general"],
        starts_at=held,
        submit=True,
        now=now,
        topic=f"{tag}党员大会",
        by=admin,
    )
    o["meeting_draft"] = meeting_save(
        organisation=o["branch"],
        kind=kinds["theme_day"],
        starts_at=held,
        now=now,
        topic=f"{tag}主题党日",
        by=admin,
    )
    o["attachment"] = attachment_services.attachment_add(
        meeting=o["meeting"], file=SimpleUploadedFile("签到表.pdf", PDF), kind="sign_in", by=admin
    )
    compliance.refresh([o["branch"].pk], today.year)
    o["requirement"] = Requirement.objects.select_related("kind").get(kind__code="general", org_kind="branch")
    first = ComplianceRecord.objects.filter(
        organisation=o["branch"], requirement=o["requirement"], year=today.year
    )
    o["cell_start"] = first.order_by("period_start").first().period_start.isoformat()
    o["override"] = RequirementOverride.objects.create(
        requirement=o["requirement"],
        organisation=o["branch"],
        period=o["requirement"].period,
        min_count=2,
        reason="试点",
        effective_from=dt.date(today.year, 1, 1),
    )


def _elections(o: dict, tag: str, *, admin, shared: dict | None) -> None:
    """A draft on the branch (the secretary's steps), a request on the second branch (the reviewer's),
    a reported one on the committee (confirmation) and a finished one on the branch (its result PDF)."""
    members = [m.pk for m in o["full"][:4]]
    o["election"] = election_services.election_start(
        organisation=o["branch"], seats=3, has_deputy=False, member_ids=members, by=admin
    )
    requested = election_services.election_start(
        organisation=o["branch2"], seats=3, has_deputy=False, member_ids=[], by=admin
    )
    Election.objects.filter(pk=requested.pk).update(status="requested", request_doc_no=f"{tag}请示1")
    o["election_requested"] = Election.objects.get(pk=requested.pk)
    o["election_done"] = Election.objects.create(
        organisation=o["branch"], status="confirmed", seats=3, entitled=10, present=9, created_by=admin
    )
    if shared is not None:  # one open election per organisation: the committee's is the other side's
        o["election_reported"] = shared["election_reported"]
        return
    reported = election_services.election_start(
        organisation=o["committee"], seats=3, has_deputy=False, member_ids=[], by=admin
    )
    # The committee's own 党员大会 held the vote (the result needs the day it was held).
    vote = meeting_save(
        organisation=o["committee"],
        kind=MeetingKind.objects.get(code="general"),
        starts_at=timezone.now() - dt.timedelta(days=3),
        submit=True,
        topic=f"{tag}党委换届选举大会",
        by=admin,
    )
    Election.objects.filter(pk=reported.pk).update(status="reported", entitled=10, present=9, meeting=vote)
    positions = ("secretary", "organisation", "propaganda")
    for order, (member, position) in enumerate(zip(o["full"][:3], positions, strict=True)):
        Candidate.objects.create(
            election=reported, member=member, order=order, elected=True, position=position
        )
    o["election_reported"] = Election.objects.get(pk=reported.pk)


def _assessment(o: dict, tag: str, *, today: dt.date, admin, shared: dict | None) -> None:
    branch = o["branch"]
    for key, (year, stage, total) in RATING_STAGES.items():
        o[key] = make_rating(branch, stage=stage, total=total, year=year)
    # The committee has scored the appraisal (述职评议): the review may be published.
    for score in o["rating_review"].scores.select_related("item").filter(item__item_type=ItemType.APPRAISAL):
        rating_services.score_set(
            rating=o["rating_review"], item=score.item, points=score.item.max_points, note="", by=admin
        )
    # The review's 公示 is over: it may be closed.
    o["rating_notice"].publicities.update(
        starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=3)
    )
    evidence = Evidence.objects.filter(rating=o["rating"]).first()
    evidence.file.save(f"{tag}佐证.pdf", ContentFile(PDF), save=True)
    o["evidence"] = evidence
    o["evidence_item"] = evidence.item_id
    review_items = o["rating_review"].template.items
    o["score_item"] = review_items.filter(item_type=ItemType.APPRAISAL).first().pk
    vetoes = list(o["rating_review"].template.vetoes.all()[:2])
    o["veto_item"] = vetoes[1].pk  # to mark
    rating_services.veto_mark(rating=o["rating_review"], veto=vetoes[0], note="记录不实", by=admin)
    o["veto_marked"] = vetoes[0].pk  # to clear
    case = rectification_services.case_open(organisation=branch, reason=f"{tag}软弱涣散", opened_on=today)
    o["case"] = case
    o["item"] = rectification_services.item_add(
        case=case, problem="三会一课不经常", measure="按月召开", owner="张三", deadline=today, by=admin
    )
    done = rectification_services.item_add(
        case=case, problem="台账不全", measure="补齐台账", owner="李四", deadline=today, by=admin
    )
    o["item_done"] = rectification_services.item_done(
        item=done, note="已补齐", evidence=SimpleUploadedFile("整改.pdf", PDF), by=admin
    )
    o["site"] = ModelSite.objects.create(
        organisation=branch, org_path=branch.path, entered_on=dt.date(2026, 2, 10)
    )
    publicity = publicity_services.publicity_open(
        organisation=branch,
        subject="rating",
        title=f"{tag}星级评定公示",
        body="内容",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
    )
    o["publicity"] = publicity
    o["objection"] = publicity_services.objection_submit(
        publicity=publicity, text=f"{tag}材料不实", client=f"{tag:0>64}", today=today
    )
    o["thanks_token"] = signing.dumps({"o": o["objection"].pk, "p": publicity.pk}, salt=THANKS_SALT)
    year = today.year
    accepted = acceptance_services.acceptance_apply(
        organisation=branch, year=year, application="自查达标", by=admin
    )
    accepted = acceptance_services.acceptance_check(acceptance=accepted, by=admin, passed=True)
    acceptance_services.acceptance_accept(acceptance=accepted, by=admin)
    if shared is None:
        o["draw"] = acceptance_services.spot_draw(organisation=o["committee"], year=year, by=admin, seed=1)
        o["spot_check"] = o["draw"].checks.first()
    else:
        o["draw"], o["spot_check"] = shared["draw"], shared["spot_check"]
    o["acceptance"] = acceptance_services.acceptance_apply(
        organisation=branch, year=year - 2, application="自查达标", by=admin
    )
    checked = acceptance_services.acceptance_apply(
        organisation=branch, year=year - 1, application="自查达标", by=admin
    )
    o["acceptance_checked"] = acceptance_services.acceptance_check(acceptance=checked, by=admin, passed=True)
    assert Acceptance.objects.filter(organisation=branch, status=AcceptanceStatus.ACCEPTED).exists()
    o["template"] = RatingTemplate.objects.filter(year=2026).first()


def _archives(o: dict, tag: str, *, today: dt.date, admin) -> None:
    branch = o["branch"]
    o["category"] = DocumentCategory.objects.get(code="meeting-book").pk
    o["document"] = document_services.document_upload(
        user=admin,
        organisation=branch,
        year=today.year,
        category=DocumentCategory.objects.get(code="meeting-book"),
        title=f"{tag}支部党员大会记录",
        tags="三会一课",
        file=SimpleUploadedFile("记录.pdf", PDF),
    )
    ledger = LedgerFile.objects.create(
        organisation=branch,
        year=today.year - 1,
        format=LedgerFormat.XLSX,
        version=1,
        status=LedgerStatus.DONE,
        filename=f"{tag}台账.xlsx",
        requested_by=admin,
    )
    ledger.file.save(f"{tag}ledger.xlsx", ContentFile(b"PK\x03\x04 not really a workbook"), save=True)
    o["ledger"] = ledger


def build_world() -> World:
    """The whole world (about a second): defaults, the county, the two sides, the users and their grants."""
    today = timezone.localdate()
    ensure_meeting_defaults()
    ensure_archive_defaults()
    for year in {2021, 2022, 2023, 2024, 2025, 2026, today.year, today.year - 1, today.year - 2}:
        ensure_assessment_defaults(year)
    admin = UserFactory(username="authz_admin", is_superuser=True, is_staff=True)
    county = make_org(name="县委组织部", code="AZ0")
    make_term(county)
    inside = _side(county, "IN", today=today, admin=admin)
    near = _side(county, "NEAR", today=today, admin=admin, shared=inside)
    sides = [inside, near, _side(county, "OUT", today=today, admin=admin)]
    world = World()
    world.objects = {key: tuple(side[key] for side in sides) for key in sides[0]}
    world.objects["county"] = (county, county, county)
    draft = template_copy(template=sides[0]["template"], year=today.year + 5)  # rating templates are global
    world.objects["template_draft"] = (draft, draft, draft)
    reviewer = UserFactory(username="authz_reviewer")
    grant(reviewer, sides[0]["committee"], Role.REVIEWER)
    secretary = UserFactory(username="authz_secretary")
    grant(secretary, sides[0]["branch"], Role.SECRETARY)
    member = UserFactory(username="authz_member")
    grant(member, sides[0]["branch"], Role.MEMBER)
    own = sides[0]["member"]
    own.user = member
    own.save(update_fields=["user"])
    world.users = {
        "admin": admin,
        "reviewer": reviewer,
        "secretary": secretary,
        "member": member,
        "anonymous": None,
    }
    return world
