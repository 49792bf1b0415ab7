"""branches/access.py: who sees and edits what (DOMAIN §8)."""

from branches import access
from tests.factories import UserFactory


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_reviewer_sees_subtree_not_sibling_committee(tree, reviewer):
    visible = names(access.visible_organisations(reviewer))
    assert visible == {"镇党委", "东村党支部", "第一党小组", "西村党支部"}
    assert "国企党委" not in visible and "县委组织部" not in visible


def test_secretary_sees_branch_and_its_groups_only(tree, secretary):
    assert names(access.visible_organisations(secretary)) == {"东村党支部", "第一党小组"}


def test_user_without_grant_sees_nothing(tree):
    assert not access.visible_organisations(UserFactory()).exists()


def test_superuser_sees_everything(tree, admin_user):
    assert access.visible_organisations(admin_user).count() == 7


def test_can_edit(tree, secretary, reviewer, outsider):
    assert access.can_edit(secretary, tree["branch"])
    assert access.can_edit(secretary, tree["group"])
    assert not access.can_edit(secretary, tree["other_branch"])
    assert not access.can_edit(secretary, tree["town"])
    assert access.can_edit(reviewer, tree["other_branch"])
    assert not access.can_edit(reviewer, tree["sibling_branch"])
    assert not access.can_edit(outsider, tree["branch"])


def test_structure_rights(tree, secretary, reviewer):
    assert access.can_manage_structure(secretary, tree["branch"])  # may set up party groups
    assert not access.can_dissolve(secretary, tree["branch"])
    assert access.can_dissolve(secretary, tree["group"])
    assert access.can_dissolve(reviewer, tree["branch"])
    assert not access.can_dissolve(reviewer, tree["town"])  # its own root belongs to the county
    assert not access.can_manage_structure(reviewer, tree["county"])


def test_scope_roots_collapse_nested_grants(tree, reviewer):
    from branches.models import Role
    from tests.factories import grant

    grant(reviewer, tree["branch"], Role.SECRETARY)
    assert [o.name for o in access.scope_roots(reviewer)] == ["镇党委"]
