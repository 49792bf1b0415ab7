"""factory_boy factories shared by every app's tests. Organisations go through the service,
so their tree paths are real."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from branches import services
from branches.models import Grant, Organisation, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass12345")


_codes = iter(range(1, 10**9))


def make_org(parent=None, *, kind=None, sector="organ", name=None, code=None, **extra) -> Organisation:
    """An organisation created through the service (the real path and kind rules)."""
    n = next(_codes)
    if kind is None:
        kind = "committee" if parent is None else "branch"
    return services.organisation_create(
        name=name or f"组织{n}",
        kind=kind,
        sector=sector,
        code=code or f"T{n:06d}",
        parent=parent,
        **extra,
    )


def make_term(org, *, elected_on=dt.date(2024, 1, 10), **extra):
    return services.term_open(organisation=org, elected_on=elected_on, **extra)


def grant(user, org, role=Role.SECRETARY) -> Grant:
    return services.grant_role(user=user, organisation=org, role=role)


_people = iter(range(1, 10**6))


def make_member(org, *, stage="full", birth_date=dt.date(1985, 6, 15), gender="male", **fields):
    """A member created through the service, with a valid ID number that agrees with birth date and gender."""
    from members import idcard
    from members.services import members as member_services

    n = next(_people)
    if "id_number" not in fields:
        # The 17th digit is odd for men, even for women.
        seq = (n * 2 + (1 if gender == "male" else 0)) % 1000
        fields["id_number"] = idcard.make_id_number("330102", birth_date, seq)
    date_field = member_services.STAGE_DATE_FIELD[stage]
    fields.setdefault(date_field, dt.date(2015, 7, 1))
    fields.setdefault("name", f"党员{n}")
    return member_services.member_create(
        organisation=org, stage=stage, birth_date=birth_date, gender=gender, **fields
    )
