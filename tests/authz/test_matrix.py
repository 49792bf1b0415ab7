"""Every named URL × the four roles and the anonymous user × an object in each scope (in, near, out), by GET.

A URL without a case in cases.py fails ``test_every_url_has_a_case``: a new page is not served until
someone has said who may see it.
"""

import pytest
from django.urls import reverse

from .cases import BY_NAME, CASES
from .harness import ask, combos, expected, judge, resolver_names, url_for


def test_every_url_has_a_case():
    names, cases = resolver_names(), set(BY_NAME)
    assert not names - cases, f"URLs without a case in tests/authz/cases.py: {sorted(names - cases)}"
    assert not cases - names, f"cases of URLs that no longer exist: {sorted(cases - names)}"


def get_failures(case, world, clients) -> list[str]:
    """The (role, scope) pairs whose GET answers otherwise than expected, each described."""
    failures = []
    for role, scope in combos(case):
        if (role, scope, "get") in case.bugs:
            continue  # asserted by test_known_bugs
        url = url_for(case, world, scope)
        answer = ask(clients[role], "get", url)
        want = expected(case, role, scope, "get")
        failures += judge(case, role, answer, want, f"GET {url} as {role} ({scope} scope)", refused=False)
    return failures


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_get(name, world, clients):
    failures = get_failures(BY_NAME[name], world, clients)
    assert not failures, "\n".join(failures)


def test_a_member_reads_the_own_record_only(world, clients):
    """The member's grant shows the own record (the matrix's in-scope object), never a fellow member's."""
    own = world.side("in")["member"]
    client = clients["member"]
    for member in world.side("in")["full"]:
        answer = ask(client, "get", reverse("members:detail", args=[member.pk]))
        assert answer.status == (200 if member == own else 404), f"{member.name}: {answer.status}"
