"""Opening terms and approved adjustments: the service and the database both guard the rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from branches import services
from branches.models import Term
from tests.factories import make_org

D = dt.date


@pytest.fixture
def branch(db):
    return make_org(make_org(sector="organ"), kind="branch", sector="organ")


@pytest.fixture
def village_branch(db):
    return make_org(make_org(sector="village"), kind="branch", sector="village")


def test_default_length_from_kind_and_sector(branch, village_branch):
    assert services.term_open(organisation=branch, elected_on=D(2024, 3, 1)).expires_on == D(2027, 3, 1)
    assert services.term_open(organisation=village_branch, elected_on=D(2024, 3, 1)).expires_on == D(
        2029, 3, 1
    )


def test_new_term_ends_the_current_one(branch):
    first = services.term_open(organisation=branch, elected_on=D(2021, 3, 1))
    second = services.term_open(organisation=branch, elected_on=D(2024, 3, 1))
    first.refresh_from_db()
    assert (first.status, first.ended_on) == ("ended", D(2024, 3, 1))
    assert (second.status, second.number) == ("current", 2)


def test_second_current_term_refused_without_ending(branch):
    services.term_open(organisation=branch, elected_on=D(2021, 3, 1))
    with pytest.raises(ValidationError, match="已有一届正在任期内"):
        services.term_open(organisation=branch, elected_on=D(2024, 3, 1), end_current=False)
    assert Term.objects.filter(organisation=branch).count() == 1


def test_database_allows_one_current_term(branch):
    term = services.term_open(organisation=branch, elected_on=D(2021, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(
            organisation=branch,
            number=2,
            elected_on=D(2024, 3, 1),
            length_years=3,
            regular_expires_on=D(2027, 3, 1),
            expires_on=D(2027, 3, 1),
        )
    assert Term.objects.get().pk == term.pk


def test_extension_of_exactly_one_year_accepted(branch):
    term = services.term_open(
        organisation=branch,
        elected_on=D(2024, 3, 1),
        expires_on=D(2028, 3, 1),
        adjustment_doc_no="青组字〔2026〕12号",
    )
    assert term.is_adjusted and term.regular_expires_on == D(2027, 3, 1)


def test_extension_over_one_year_refused(branch):
    with pytest.raises(ValidationError) as err:
        services.term_open(
            organisation=branch, elected_on=D(2024, 3, 1), expires_on=D(2028, 3, 2), adjustment_doc_no="x"
        )
    assert "不得超过1年" in str(err.value)
    assert not Term.objects.exists()


def test_advance_over_one_year_refused(branch):
    with pytest.raises(ValidationError, match="不得超过1年"):
        services.term_open(
            organisation=branch, elected_on=D(2024, 3, 1), expires_on=D(2026, 2, 28), adjustment_doc_no="x"
        )


def test_adjustment_needs_document_number(branch):
    with pytest.raises(ValidationError, match="批复文号"):
        services.term_open(organisation=branch, elected_on=D(2024, 3, 1), expires_on=D(2027, 9, 1))


def test_expiry_before_election_refused(branch):
    with pytest.raises(ValidationError, match="届满日期必须晚于选举日期"):
        services.term_open(
            organisation=branch, elected_on=D(2024, 3, 1), expires_on=D(2024, 2, 1), adjustment_doc_no="x"
        )


def test_term_adjust_of_current_term(branch):
    term = services.term_open(organisation=branch, elected_on=D(2024, 3, 1))
    services.term_adjust(
        term=term, expires_on=D(2027, 12, 1), doc_no="青组〔2027〕3号", approved_on=D(2027, 1, 5)
    )
    term.refresh_from_db()
    assert term.expires_on == D(2027, 12, 1)
    with pytest.raises(ValidationError, match="不得超过1年"):
        services.term_adjust(term=term, expires_on=D(2028, 3, 2), doc_no="x", approved_on=D(2027, 1, 5))
    term.refresh_from_db()
    assert term.expires_on == D(2027, 12, 1)


def test_party_group_has_no_terms(branch):
    group = make_org(branch, kind="party_group")
    with pytest.raises(ValidationError, match="党小组不设届次"):
        services.term_open(organisation=group, elected_on=D(2024, 3, 1))


def test_elected_on_29_february(branch):
    term = services.term_open(organisation=branch, elected_on=D(2024, 2, 29))
    assert term.expires_on == D(2027, 2, 28)
