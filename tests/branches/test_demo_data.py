"""demo_data: the picture `make run` shows, and a second run changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from branches import rules
from branches.models import Grant, Notice, Organisation, Term


def snapshot():
    return (
        list(Organisation.objects.values_list("code", "path", "name", "status")),
        list(Term.objects.values_list("organisation__code", "number", "elected_on", "expires_on", "status")),
        list(Grant.objects.values_list("user__username", "organisation__code", "role")),
        get_user_model().objects.count(),
        Notice.objects.count(),
    )


@pytest.mark.django_db
def test_demo_data_twice_changes_nothing():
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = snapshot()
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == first


@pytest.mark.django_db
def test_demo_data_shape():
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    branches = Organisation.objects.branches()
    assert 28 <= branches.count() <= 35
    assert len(set(branches.values_list("sector", flat=True))) >= 5
    assert Organisation.objects.filter(kind="general_branch").count() >= 3
    assert Organisation.objects.filter(kind="party_group").count() >= 5
    assert Organisation.objects.filter(kind="committee", depth=2).count() == 3
    today = timezone.localdate()
    statuses = [rules.term_status(t.expires_on, today) for t in Term.objects.filter(status="current")]
    assert statuses.count("due") >= 3 and statuses.count("overdue") >= 3
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    for name in ("reviewer_county", "reviewer_town", "reviewer_energy", "reviewer_college"):
        assert Grant.objects.filter(user__username=name, role="reviewer").exists()
    assert Grant.objects.filter(role="secretary").count() == branches.count()
    assert users.get(username="sec_xq0101").check_password("demo12345")
    assert Notice.objects.filter(recipient__username="reviewer_town").exists()
