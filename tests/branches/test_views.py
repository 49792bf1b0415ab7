"""The branches pages for the allowed role, the refused role and the outsider (404)."""

import datetime as dt

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from branches.models import Organisation, Term

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"branches:{name}", args=args)


# Every URL of the portal that takes an object id, with how to find the object it names.
OBJECT_URLS = {
    "org_detail": "org",
    "org_edit": "org",
    "org_create": "org",
    "org_dissolve": "org",
    "org_move": "org",
    "term_open": "org",
    "term_adjust": "term",
}


def test_every_object_url_is_in_the_matrix():
    resolver = get_resolver()
    found = {
        name
        for name, _ in resolver.namespace_dict["branches"][1].reverse_dict.items()
        if isinstance(name, str)
    }
    takes_pk = {
        p.name for p in resolver.namespace_dict["branches"][1].url_patterns if "<int:pk>" in str(p.pattern)
    }
    assert takes_pk <= set(OBJECT_URLS), f"add these to OBJECT_URLS: {takes_pk - set(OBJECT_URLS)}"
    assert set(OBJECT_URLS) <= found


def _target(tree, kind):
    org = tree["sibling_branch"]
    return org.pk if kind == "org" else Term.objects.get(organisation=org, status="current").pk


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
@pytest.mark.parametrize("who", ["secretary", "reviewer"])
def test_foreign_object_is_404_get_and_post(request, login, tree, name, who):
    """The town's secretary and reviewer both get 404 for the sibling committee's branch, GET and POST."""
    client = login(request.getfixturevalue(who))
    target = url(name, _target(tree, OBJECT_URLS[name]))
    assert client.get(target).status_code == 404
    before = list(Organisation.objects.values_list("pk", "name", "status"))
    assert client.post(target, {"name": "x", "reason": "x", "confirm": "on"}).status_code == 404
    assert list(Organisation.objects.values_list("pk", "name", "status")) == before


def test_missing_id_is_404(login, admin_user):
    assert login(admin_user).get(url("org_detail", 999999)).status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(url("org_detail", tree["branch"].pk))
    assert response.status_code == 302 and reverse("login") in response["Location"]


class TestHome:
    def test_secretary_lands_on_branch(self, login, secretary, tree):
        response = login(secretary).get(reverse("home"))
        assert response["Location"] == tree["branch"].get_absolute_url()

    def test_reviewer_lands_on_tree(self, login, reviewer):
        assert login(reviewer).get(reverse("home"))["Location"] == url("tree")

    def test_admin_lands_on_tree(self, login, admin_user):
        assert login(admin_user).get(reverse("home"))["Location"] == url("tree")

    def test_user_without_grant_sees_explanation(self, login, tree):
        from tests.factories import UserFactory

        response = login(UserFactory()).get(reverse("home"))
        assert "尚未分配组织权限" in response.content.decode()


class TestTree:
    def test_reviewer_tree_shows_subtree(self, login, reviewer, tree):
        body = login(reviewer).get(url("tree")).content.decode()
        assert "东村党支部" in body and "西村党支部" in body
        assert "国企党委" not in body and "发电党支部" not in body

    def test_admin_sees_all(self, login, admin_user, tree):
        body = login(admin_user).get(url("tree")).content.decode()
        assert "国企党委" in body and "东村党支部" in body

    def test_root_outside_scope_is_404(self, login, reviewer, tree):
        assert login(reviewer).get(url("tree"), {"root": tree["sibling"].pk}).status_code == 404

    def test_filter_overdue(self, login, reviewer, tree):
        body = login(reviewer).get(url("tree"), {"status": "overdue"}).content.decode()
        assert "西村党支部" in body and "东村党支部" not in body

    def test_branch_counts(self, login, admin_user, tree):
        from branches import selectors

        rows = {r.org.name: r.branch_count for r in selectors.organisation_tree(admin_user)}
        assert rows["县委组织部"] == 3 and rows["镇党委"] == 2 and rows["国企党委"] == 1


class TestOrganisationDetail:
    def test_secretary_sees_own_branch_with_actions(self, login, secretary, tree):
        body = login(secretary).get(url("org_detail", tree["branch"].pk)).content.decode()
        assert "东村党支部" in body and "第1届" in body and "换届（录入新一届）" in body
        assert "撤销</a>" not in body  # a secretary does not dissolve the branch

    def test_secretary_refused_other_branch(self, login, secretary, tree):
        assert login(secretary).get(url("org_detail", tree["other_branch"].pk)).status_code == 404

    def test_breadcrumb_shows_visible_ancestors(self, login, reviewer, tree):
        body = login(reviewer).get(url("org_detail", tree["group"].pk)).content.decode()
        assert 'aria-label="组织路径"' in body and "镇党委" in body and "县委组织部" not in body


class TestCreate:
    def test_reviewer_creates_branch(self, login, reviewer, tree):
        response = login(reviewer).post(
            url("org_create", tree["town"].pk),
            {"name": "南村党支部", "kind": "branch", "sector": "village", "code": "C1B9"},
        )
        org = Organisation.objects.get(code="C1B9")
        assert response["Location"] == org.get_absolute_url()
        assert org.parent == tree["town"] and org.path.startswith(tree["town"].path)

    def test_party_group_under_committee_refused_with_message(self, login, reviewer, tree):
        response = login(reviewer).post(
            url("org_create", tree["town"].pk),
            {"name": "错误小组", "kind": "party_group", "sector": "village", "code": "BAD1"},
        )
        assert response.status_code == 200
        assert "党小组只能设在党支部或联合党支部内" in response.content.decode()
        assert not Organisation.objects.filter(code="BAD1").exists()

    def test_secretary_creates_party_group(self, login, secretary, tree):
        login(secretary).post(
            url("org_create", tree["branch"].pk),
            {"name": "第二党小组", "kind": "party_group", "sector": "village", "code": "C1B1G2"},
        )
        assert Organisation.objects.get(code="C1B1G2").parent == tree["branch"]

    def test_secretary_refused_under_committee(self, login, secretary, tree):
        assert login(secretary).get(url("org_create", tree["town"].pk)).status_code == 404

    def test_duplicate_code_refused(self, login, reviewer, tree):
        response = login(reviewer).post(
            url("org_create", tree["town"].pk),
            {"name": "重复", "kind": "branch", "sector": "village", "code": "C1B1"},
        )
        assert response.status_code == 200 and "组织代码" in response.content.decode()
        assert Organisation.objects.filter(code="C1B1").count() == 1


class TestEdit:
    def test_secretary_edits_address(self, login, secretary, tree):
        branch = tree["branch"]
        response = login(secretary).post(
            url("org_edit", branch.pk),
            {
                "name": branch.name,
                "kind": "branch",
                "sector": "village",
                "code": branch.code,
                "address": "东村1号",
            },
        )
        assert response.status_code == 302
        branch.refresh_from_db()
        assert branch.address == "东村1号"

    def test_secretary_refused_committee(self, login, secretary, tree):
        # The town is not even visible to a secretary.
        assert login(secretary).get(url("org_edit", tree["town"].pk)).status_code == 404


class TestDissolve:
    def test_reviewer_dissolves_with_confirmation(self, login, reviewer, tree):
        client = login(reviewer)
        target = url("org_dissolve", tree["other_branch"].pk)
        assert "确认撤销" in client.get(target).content.decode()
        unconfirmed = client.post(target, {"on": "2026-01-05", "reason": "撤并"})
        assert unconfirmed.status_code == 200
        tree["other_branch"].refresh_from_db()
        assert tree["other_branch"].is_active
        client.post(target, {"on": "2026-01-05", "reason": "撤并", "confirm": "on"})
        tree["other_branch"].refresh_from_db()
        assert tree["other_branch"].status == "dissolved"

    def test_secretary_cannot_dissolve_branch(self, login, secretary, tree):
        assert login(secretary).get(url("org_dissolve", tree["branch"].pk)).status_code == 404

    def test_dissolve_with_active_children_shows_message(self, login, reviewer, tree):
        response = login(reviewer).post(
            url("org_dissolve", tree["branch"].pk), {"on": "2026-01-05", "reason": "撤并", "confirm": "on"}
        )
        assert "请先撤销或转移其下属组织" in response.content.decode()


class TestTermForms:
    def test_open_new_term(self, login, secretary, tree):
        branch = tree["branch"]
        response = login(secretary).post(
            url("term_open", branch.pk), {"number": 2, "elected_on": "2027-01-10", "length_years": 5}
        )
        assert response.status_code == 302
        current = Term.objects.get(organisation=branch, status="current")
        assert (current.number, current.expires_on) == (2, dt.date(2032, 1, 10))

    def test_expiry_before_election_refused(self, login, secretary, tree):
        response = login(secretary).post(
            url("term_open", tree["branch"].pk),
            {
                "number": 2,
                "elected_on": "2027-01-10",
                "length_years": 5,
                "expires_on": "2026-12-01",
                "adjustment_doc_no": "x",
            },
        )
        assert "届满日期必须晚于选举日期" in response.content.decode()
        assert Term.objects.filter(organisation=tree["branch"]).count() == 1

    def test_extension_over_one_year_refused(self, login, reviewer, tree):
        term = Term.objects.get(organisation=tree["branch"], status="current")
        response = login(reviewer).post(
            url("term_adjust", term.pk),
            {
                "expires_on": "2030-01-11",
                "adjustment_doc_no": "镇组〔2026〕1号",
                "adjustment_approved_on": "2026-10-01",
            },
        )
        assert "不得超过1年" in response.content.decode()
        term.refresh_from_db()
        assert term.expires_on == term.regular_expires_on

    def test_second_term_with_same_number_refused(self, login, secretary, tree):
        response = login(secretary).post(
            url("term_open", tree["branch"].pk), {"number": 1, "elected_on": "2027-01-10", "length_years": 5}
        )
        assert "第1届已存在" in response.content.decode()
        assert Term.objects.get(organisation=tree["branch"], status="current").number == 1

    def test_group_has_no_term_form(self, login, secretary, tree):
        assert login(secretary).get(url("term_open", tree["group"].pk)).status_code == 404


class TestTermsDue:
    def test_reviewer_sees_due_and_overdue_soonest_first(self, login, reviewer, tree):
        response = login(reviewer).get(url("terms_due"))
        body = response.content.decode()
        assert "西村党支部" in body and "已超期" in body
        assert "发电党支部" not in body

    def test_secretary_refused(self, login, secretary):
        assert login(secretary).get(url("terms_due")).status_code == 404


class TestNotices:
    def test_mark_read(self, login, reviewer, tree):
        from branches.models import Notice

        notice = Notice.objects.create(recipient=reviewer, kind="general", dedupe_key="k", title="测试通知")
        client = login(reviewer)
        assert "测试通知" in client.get(url("notices")).content.decode()
        client.post(url("notices_read"), {"notice": notice.pk})
        notice.refresh_from_db()
        assert notice.is_read

    def test_cannot_mark_someone_elses(self, login, reviewer, secretary, tree):
        from branches.models import Notice

        notice = Notice.objects.create(recipient=secretary, kind="general", dedupe_key="k", title="x")
        login(reviewer).post(url("notices_read"), {"notice": notice.pk})
        notice.refresh_from_db()
        assert not notice.is_read

    def test_mark_read_is_post_only(self, login, reviewer):
        assert login(reviewer).get(url("notices_read")).status_code == 405


class TestMove:
    def test_reviewer_moves_a_branch_under_a_general_branch(self, login, reviewer, tree):
        from tests.factories import make_org

        general = make_org(tree["town"], kind="general_branch", name="镇机关党总支", sector="organ")
        client = login(reviewer)
        target = url("org_move", tree["other_branch"].pk)
        choices = client.get(target).context["form"].fields["new_parent"].queryset
        assert general in choices and tree["sibling"] not in choices and tree["town"] not in choices
        client.post(target, {"new_parent": general.pk})  # not confirmed: nothing moves
        tree["other_branch"].refresh_from_db()
        assert tree["other_branch"].parent == tree["town"]
        client.post(target, {"new_parent": general.pk, "confirm": "on"})
        tree["other_branch"].refresh_from_db()
        assert tree["other_branch"].parent == general and tree["other_branch"].path.startswith(general.path)

    def test_reviewer_cannot_move_outside_the_subtree(self, login, reviewer, tree):
        response = login(reviewer).post(
            url("org_move", tree["other_branch"].pk), {"new_parent": tree["sibling"].pk, "confirm": "on"}
        )
        assert response.status_code == 200  # not a choice: the form refuses it
        tree["other_branch"].refresh_from_db()
        assert tree["other_branch"].parent == tree["town"]

    def test_secretary_cannot_move_the_branch(self, login, secretary, tree):
        assert login(secretary).get(url("org_move", tree["branch"].pk)).status_code == 404


class TestErrorPages:
    def test_404_page_is_chinese(self, login, reviewer):
        response = login(reviewer).get("/no-such-page/")
        assert response.status_code == 404 and "没有找到该页面" in response.content.decode()

    def test_500_page_renders_without_the_database(self, rf):
        from config.errors import server_error

        response = server_error(rf.get("/"))
        assert response.status_code == 500 and "系统暂时出现问题" in response.content.decode()


@pytest.mark.parametrize(
    ("founded_on", "message"),
    [
        ("1921-06-30", "成立日期不能早于1921年7月1日。"),
        ("1921-07-01", None),
        ("today", None),
        ("tomorrow", "成立日期不能晚于今天。"),
        ("9999-12-31", "成立日期不能晚于今天。"),
    ],
)
def test_the_founding_date_lies_between_1921_and_today(login, admin_user, tree, founded_on, message):
    day = {"today": timezone.localdate(), "tomorrow": timezone.localdate() + dt.timedelta(days=1)}
    value = day[founded_on].isoformat() if founded_on in day else founded_on
    branch = tree["branch"]
    data = {
        "name": branch.name,
        "short_name": "",
        "kind": branch.kind,
        "sector": branch.sector,
        "code": branch.code,
        "founded_on": value,
        "address": "",
    }
    response = login(admin_user).post(reverse("branches:org_edit", args=[branch.pk]), data)
    branch.refresh_from_db()
    if message is None:
        assert response.status_code == 302 and branch.founded_on.isoformat() == value
    else:
        assert response.status_code == 200 and message in response.content.decode()
        assert branch.founded_on is None
