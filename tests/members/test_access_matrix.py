"""Every members URL that names an object answers 404 to the outsider and to a plain member, GET and POST,
and a refused POST changes nothing. A new URL with an id fails here until it is added to OBJECT_URLS."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

from members.models import (
    Appointment,
    DuesPayment,
    Member,
    RosterImport,
    Transfer,
)
from members.services import members as member_services
from members.services import transfers as transfer_services

# URL name → the kind of object its <pk> names.
OBJECT_URLS = {
    "roster": "branch",
    "create": "branch",
    "overview": "branch",
    "appointment_add": "branch",
    "appointment_end": "appointment",
    "detail": "member",
    "edit": "member",
    "leave": "member",
    "pipeline": "branch",
    "stage_advance": "pipeline_member",
    "probation_extend": "probationary",
    "transfers": "branch",
    "transfer_in": "branch",
    "flags": "branch",
    "transfer_out": "member",
    "mobility": "member",
    "transfer_decide": "transfer",
    "transfer_withdraw": "transfer",
    "dues_month": "branch",
    "dues_arrears": "branch",
    "dues_register": "branch",
    "dues_register_xlsx": "branch",
    "dues_bases": "branch",
    "remittances": "branch",
    "import_upload": "branch",
    "import_detail": "import",
    "import_confirm": "import",
    "import_status": "import",
    "import_errors_xlsx": "import",
    "export_xlsx": "branch",
}

POST_ONLY = {"appointment_end", "import_confirm"}


def test_every_members_url_with_an_id_is_in_the_matrix():
    patterns = get_resolver().namespace_dict["members"][1].url_patterns
    with_id = {p.name for p in patterns if "<int:pk>" in str(p.pattern)}
    assert with_id == set(OBJECT_URLS), (
        f"missing: {with_id - set(OBJECT_URLS)}; stale: {set(OBJECT_URLS) - with_id}"
    )


@pytest.fixture
def objects(tree, roster, secretary):
    """One object of each kind in 东村党支部 (the secretary's branch)."""
    branch = roster["branch"]
    members = roster["members"]
    appointment = member_services.appointment_add(
        term=member_services.current_term(branch),
        member=members[0],
        position="secretary",
        appointed_on=dt.date(2024, 1, 10),
    )
    transfer = transfer_services.transfer_out_internal(
        member=members[2], to_organisation=tree["other_branch"], on=dt.date(2026, 11, 1)
    )
    imp = RosterImport.objects.create(
        organisation=branch, original_name="花名册.xlsx", status="validated", uploaded_by=secretary
    )
    imp.file.save("t.xlsx", ContentFile(b"x"), save=True)
    return {
        "branch": branch,
        "member": members[0],
        "pipeline_member": members[5],
        "probationary": members[4],
        "appointment": appointment,
        "transfer": transfer,
        "import": imp,
    }


def snapshot():
    return (
        list(
            Member.objects.order_by("pk").values_list(
                "pk", "organisation_id", "status", "stage", "name", "phone"
            )
        ),
        list(Appointment.objects.values_list("pk", "ended_on")),
        list(Transfer.objects.values_list("pk", "status")),
        list(DuesPayment.objects.values_list("pk", "amount_paid")),
        list(RosterImport.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
@pytest.mark.parametrize("who", ["outsider", "member_user"])
def test_foreign_or_plain_member_gets_404(request, login, objects, name, who):
    client = login(request.getfixturevalue(who))
    target = reverse(f"members:{name}", args=[objects[OBJECT_URLS[name]].pk])
    if not (who == "member_user" and name == "detail"):  # a member's own record is tested elsewhere
        # POST-only URLs refuse a GET with 405 before looking anything up: nothing is revealed either way.
        assert client.get(target).status_code in ((404, 405) if name in POST_ONLY else (404,))
    before = snapshot()
    response = client.post(
        target, {"confirm": "on", "kind": "deceased", "on": "2026-11-01", "reason": "x", "decision": "accept"}
    )
    assert response.status_code in (404, 405)
    assert snapshot() == before


WRITES = [
    "create",
    "appointment_add",
    "appointment_end",
    "edit",
    "leave",
    "stage_advance",
    "probation_extend",
    "transfer_in",
    "transfer_out",
    "mobility",
    "transfer_decide",
    "transfer_withdraw",
    "dues_month",
    "dues_bases",
    "remittances",
    "import_upload",
    "import_confirm",
]


@pytest.mark.parametrize("name", WRITES)
def test_reviewer_reads_but_cannot_write(login, reviewer, objects, name):
    """The committee above sees the branch's records; its writes are refused with 404 and change nothing."""
    target = reverse(f"members:{name}", args=[objects[OBJECT_URLS[name]].pk])
    before = snapshot()
    response = login(reviewer).post(
        target, {"confirm": "on", "kind": "deceased", "on": "2026-11-01", "reason": "x", "decision": "accept"}
    )
    assert response.status_code == 404
    assert snapshot() == before
