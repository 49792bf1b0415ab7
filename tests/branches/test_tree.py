"""The materialized-path tree: subtree and ancestors at depth, and the kind rules on create."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches import services
from branches.models import Organisation
from tests.factories import make_org


@pytest.fixture
def deep(db):
    """province → city → county → committee → general branch → branch → group: depth 7."""
    province = make_org(name="省委组织部")
    city = make_org(province, kind="committee", name="市委")
    county = make_org(city, kind="committee", name="县委")
    committee = make_org(county, kind="committee", name="镇党委")
    general = make_org(committee, kind="general_branch", name="总支")
    branch = make_org(general, kind="branch", name="支部")
    group = make_org(branch, kind="party_group", name="小组")
    cousin = make_org(county, kind="committee", name="另一个镇党委")
    make_org(cousin, kind="branch", name="另一个支部")
    return locals()


def test_depths_and_paths(deep):
    assert [deep[k].depth for k in ("province", "city", "county", "committee", "general", "branch")] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert deep["branch"].path.startswith(deep["general"].path)
    assert len(deep["branch"].path) == 4 * 6


def test_ancestors_at_depth_five(deep):
    general = deep["general"]
    with CaptureQueriesContext(connection) as ctx:
        names = [o.name for o in general.ancestors()]
    assert names == ["省委组织部", "市委", "县委", "镇党委"]
    assert len(ctx.captured_queries) == 1


def test_subtree_at_depth_five(deep):
    with CaptureQueriesContext(connection) as ctx:
        names = set(Organisation.objects.subtree_of(deep["committee"]).values_list("name", flat=True))
    assert names == {"镇党委", "总支", "支部", "小组"}
    assert len(ctx.captured_queries) == 1


def test_subtree_of_county_excludes_nothing_of_it_and_nothing_outside(deep):
    outside = make_org(deep["city"], kind="committee", name="邻县")
    subtree = set(Organisation.objects.subtree_of(deep["county"]).values_list("name", flat=True))
    assert "另一个支部" in subtree and "小组" in subtree
    assert outside.name not in subtree and "市委" not in subtree


def test_siblings_get_distinct_paths(db):
    root = make_org()
    kids = [make_org(root) for _ in range(40)]
    assert len({k.path for k in kids}) == 40
    # base-36 steps stay in creation order
    assert [k.path for k in kids] == sorted(k.path for k in kids)


def test_party_group_refused_under_committee(db):
    committee = make_org()
    with pytest.raises(ValidationError) as err:
        make_org(committee, kind="party_group")
    assert "党小组只能设在党支部或联合党支部内" in str(err.value)
    assert Organisation.objects.count() == 1


def test_nothing_inside_party_group(deep):
    with pytest.raises(ValidationError, match="党小组下不能再设立组织"):
        make_org(deep["group"], kind="branch")


def test_branch_not_directly_under_branch(deep):
    with pytest.raises(ValidationError, match="党支部不能直接设在另一个党支部之下"):
        make_org(deep["branch"], kind="branch")


def test_party_group_inside_joint_branch(db):
    joint = make_org(make_org(), kind="joint_branch")
    assert make_org(joint, kind="party_group").depth == 3


def test_no_children_under_dissolved(deep):
    leaf = make_org(deep["committee"], kind="branch")
    services.organisation_dissolve(organisation=leaf, on=leaf.created_at.date(), reason="合并")
    with pytest.raises(ValidationError, match="上级组织已撤销"):
        make_org(leaf, kind="party_group")


def test_dissolve_keeps_the_row_and_ends_the_term(deep):
    from tests.factories import make_term

    leaf = make_org(deep["committee"], kind="branch")
    term = make_term(leaf)
    services.organisation_dissolve(organisation=leaf, on=leaf.created_at.date(), reason="单位撤并")
    leaf.refresh_from_db()
    term.refresh_from_db()
    assert leaf.status == "dissolved" and leaf.dissolved_reason == "单位撤并"
    assert term.status == "ended"


def test_dissolve_refused_with_active_children(deep):
    with pytest.raises(ValidationError, match="请先撤销或转移其下属组织"):
        services.organisation_dissolve(
            organisation=deep["general"], on=deep["general"].created_at.date(), reason="x"
        )


def test_dissolve_needs_reason(deep):
    with pytest.raises(ValidationError):
        services.organisation_dissolve(
            organisation=deep["group"], on=deep["group"].created_at.date(), reason=" "
        )


def test_kind_change_checked_against_parent(deep):
    with pytest.raises(ValidationError, match="党总支只能设在党委之下"):
        services.organisation_update(organisation=deep["branch"], kind="general_branch")


def test_kind_change_checked_against_children(deep):
    branch = make_org(deep["committee"], kind="branch")
    make_org(branch, kind="party_group")
    with pytest.raises(ValidationError, match="党小组只能设在党支部或联合党支部内"):
        services.organisation_update(organisation=branch, kind="general_branch")
    branch.refresh_from_db()
    assert branch.kind == "branch"


class TestMove:
    def test_subtree_moves_with_paths_and_depths(self, deep):
        target = make_org(deep["city"], kind="committee", name="新县")
        services.organisation_move(organisation=deep["committee"], new_parent=target)
        moved = Organisation.objects.get(pk=deep["committee"].pk)
        assert (
            moved.parent == target and moved.path.startswith(target.path) and moved.depth == target.depth + 1
        )
        subtree = {o.name: o for o in Organisation.objects.subtree_of(moved)}
        assert set(subtree) == {"镇党委", "总支", "支部", "小组"}
        for o in subtree.values():
            parent = Organisation.objects.get(pk=o.parent_id)
            assert o.path.startswith(parent.path) and len(o.path) == len(parent.path) + 4
            assert o.depth == parent.depth + 1
        assert [a.name for a in Organisation.objects.get(name="小组").ancestors()] == [
            "省委组织部",
            "市委",
            "新县",
            "镇党委",
            "总支",
            "支部",
        ]
        assert not Organisation.objects.subtree_of(deep["county"]).filter(name="支部").exists()

    def test_paths_stay_unique(self, deep):
        target = make_org(deep["city"], kind="committee", name="新县")
        services.organisation_move(organisation=deep["committee"], new_parent=target)
        services.organisation_move(organisation=deep["cousin"], new_parent=target)
        paths = list(Organisation.objects.values_list("path", flat=True))
        assert len(paths) == len(set(paths))

    def test_not_into_its_own_subtree(self, deep):
        with pytest.raises(ValidationError, match="不能迁移到本组织或其下级组织之下"):
            services.organisation_move(organisation=deep["committee"], new_parent=deep["general"])

    def test_kind_rules_apply(self, deep):
        with pytest.raises(ValidationError, match="党支部不能直接设在另一个党支部之下"):
            services.organisation_move(organisation=deep["branch"], new_parent=make_org(deep["committee"]))
        with pytest.raises(ValidationError, match="党小组只能设在党支部或联合党支部内"):
            services.organisation_move(organisation=deep["group"], new_parent=deep["committee"])
