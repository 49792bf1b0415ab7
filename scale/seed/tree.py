"""The organisation tree: province → cities → counties → 基层党委 → branches → party groups.

The root goes through ``branches.services.organisation_create`` (a real top-level path);
every node below gets the path the service would give it — the parent's path plus the
child's number under that parent in four base-36 characters — and is written in bulk,
level by level, with ids taken beforehand so children can point at their parents.

Fan-out for N branches: about √N/10 cities (2–16), counties of about 125 branches
(2–12 a city), 基层党委 of 15–40 branches; each level's sizes vary by ±30 %.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from branches import services as branch_services
from branches.models import Organisation, OrgKind, OrgStatus, Sector
from branches.rules import BRANCH_KINDS

from . import names
from .context import SeedContext
from .paths import encode_step

# Shares of 基层党委 by sector; a committee's branches mostly share its sector.
SECTOR_WEIGHTS = {
    Sector.VILLAGE: 30,
    Sector.COMMUNITY: 12,
    Sector.ORGAN: 15,
    Sector.INSTITUTION: 10,
    Sector.STATE_ENTERPRISE: 8,
    Sector.PRIVATE_ENTERPRISE: 10,
    Sector.SOCIAL_ORGANISATION: 4,
    Sector.UNIVERSITY: 3,
    Sector.SCHOOL: 8,
}
OWN_SECTOR_SHARE = 0.85
JOINT_SHARE = 0.15
DISSOLVED_SHARE = 0.01
NEW_BRANCH_SHARE = 0.02  # founded inside the seeded years: earlier periods are 不适用
COUNTY_BRANCHES = 125
COMMITTEE_SIZES = (15, 40)
BENCH_MEMBERS = 60  # the bench branch: ≥ 50 party members for the 50-attendee meeting
GROUPS_FROM = 20  # a branch with ≥ 20 members sets up party groups [001]
FOUNDED_FROM = {"city": 1950, "county": 1955, "committee": 1978, "branch": 1985}
# Organisational life varies: most branches keep it up, some slip, a few are weak (软弱涣散).
QUALITY_WEIGHTS = {"good": 65, "fair": 25, "poor": 10}


@dataclass(eq=False, slots=True)
class Node:
    """One organisation as the later steps need it (no ORM instance: a million of them stay cheap)."""

    id: int
    path: str
    depth: int
    level: str  # province, city, county, committee, branch, group
    kind: str
    sector: str
    name: str
    short_name: str
    code: str
    parent: Node | None
    founded_on: dt.date
    dissolved_on: dt.date | None = None
    children: list[Node] = field(default_factory=list)
    # Branches only.
    size: int = 0
    quality: str = "good"
    party_day: int = 20
    groups: list[Node] = field(default_factory=list)
    members: list = field(default_factory=list)  # people.Person, filled by the members step
    terms: list = field(default_factory=list)  # terms.TermPlan, oldest first, filled by the terms step

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


@dataclass
class Tree:
    root: Node
    cities: list[Node]
    counties: list[Node]
    committees: list[Node]
    branches: list[Node]
    groups: list[Node]

    @property
    def bench(self) -> Node:
        """The first branch of the first county: the meeting-save benchmark's branch."""
        return self.counties[0].children[0].children[0]

    def all_nodes(self) -> list[Node]:
        return [self.root, *self.cities, *self.counties, *self.committees, *self.branches, *self.groups]


def split(total: int, parts: int, rng: random.Random, spread: float = 0.3) -> list[int]:
    """``total`` in ``parts`` shares of about equal size (± ``spread``), each at least 1, summing exactly."""
    parts = max(1, min(parts, total))
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    shares = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(shares)):  # hand out what rounding down left
        shares[i % parts] += 1
    return shares


def committee_sizes(total: int, rng: random.Random) -> list[int]:
    """Branches per 基层党委 of a county: 15–40 each; a small county has one."""
    low, high = COMMITTEE_SIZES
    sizes = []
    left = total
    while left > 0:
        size = min(left, rng.randint(low, high))
        if left - size < low // 2 and sizes:  # a tiny remainder joins this one
            size = left
        sizes.append(size)
        left -= size
    return sizes


def fan_out(branches: int) -> int:
    """Cities for ``branches`` branches: 10 for 10,000, 16 (a province's most) for 100,000."""
    return max(1, min(branches, 16, max(2, round(math.sqrt(branches) / 10))))


class _Builder:
    def __init__(self, ctx: SeedContext, rng: random.Random):
        self.ctx = ctx
        self.rng = rng
        self.serial = 0
        self.used_places: set[str] = set()

    def child(self, parent: Node, *, level: str, kind: str, sector: str, name: str, short_name: str = ""):
        self.serial += 1
        node = Node(
            id=0,
            path=parent.path + encode_step(len(parent.children) + 1),
            depth=parent.depth + 1,
            level=level,
            kind=kind,
            sector=sector,
            name=name[:100],
            short_name=short_name[:30],
            code=f"{self.ctx.options.root_code}-{self.serial:07d}",
            parent=parent,
            founded_on=self._founded(parent, level),
        )
        parent.children.append(node)
        return node

    def _founded(self, parent: Node, level: str) -> dt.date:
        rng = self.rng
        if level == "branch" and rng.random() < NEW_BRANCH_SHARE:
            span = max(1, (self.ctx.today - self.ctx.first_day).days - 60)
            return self.ctx.first_day + dt.timedelta(days=rng.randrange(span))
        if level == "group":
            return parent.founded_on
        # Founded after the parent, before the first seeded year.
        high = self.ctx.first_day.year - 1
        low = min(high, max(parent.founded_on.year + 1, FOUNDED_FROM[level]))
        return max(parent.founded_on, dt.date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28)))


def plan(ctx: SeedContext, root: Node) -> Tree:
    """Every node below the root, numbered as the service would number them (ids come later)."""
    rng = ctx.rng("tree")
    build = _Builder(ctx, rng)
    n = ctx.options.branches
    cities, counties, committees, branches, groups = [], [], [], [], []
    sectors, weights = list(SECTOR_WEIGHTS), list(SECTOR_WEIGHTS.values())
    for per_city in split(n, fan_out(n), rng):
        city_place = names.unique_place(rng, build.used_places)
        city = build.child(
            root, level="city", kind=OrgKind.COMMITTEE, sector=Sector.ORGAN,
            name=f"中共{city_place}市委员会", short_name=f"{city_place}市委",
        )  # fmt: skip
        cities.append(city)
        n_counties = max(2, min(12, round(per_city / COUNTY_BRANCHES)))
        for per_county in split(per_city, n_counties, rng):
            county_place = names.unique_place(rng, build.used_places)
            county = build.child(
                city, level="county", kind=OrgKind.COMMITTEE, sector=Sector.ORGAN,
                name=f"中共{county_place}县委员会", short_name=f"{county_place}县委",
            )  # fmt: skip
            counties.append(county)
            for size in committee_sizes(per_county, rng):
                sector = rng.choices(sectors, weights)[0]
                name, short = names.committee_name(rng, sector, county_place)
                committee = build.child(
                    county,
                    level="committee",
                    kind=OrgKind.COMMITTEE,
                    sector=sector,
                    name=name,
                    short_name=short,
                )
                committees.append(committee)
                for _ in range(size):
                    branches.append(_branch(build, committee, sectors))
    bench = counties[0].children[0].children[0]
    _make_bench(bench, build)
    for branch in branches:
        groups += _groups(build, branch)
    return Tree(root, cities, counties, committees, branches, groups)


def _branch(build: _Builder, committee: Node, sectors: list[str]) -> Node:
    rng, ctx = build.rng, build.ctx
    sector = committee.sector if rng.random() < OWN_SECTOR_SHARE else rng.choice(sectors)
    joint = rng.random() < JOINT_SHARE
    index = sum(1 for c in committee.children if c.kind == OrgKind.BRANCH) + 1
    own = names.branch_name(rng, sector, index, joint=joint)
    branch = build.child(
        committee,
        level="branch",
        kind=OrgKind.JOINT_BRANCH if joint else OrgKind.BRANCH,
        sector=sector,
        name=f"{committee.short_name}{own}",
        short_name=own,
    )
    m = ctx.options.members_per_branch
    # Joint branches are small (units whose own 正式党员 are fewer than three); the others a little
    # above the average, so that the average over all branches stays about M.
    factor = rng.uniform(0.45, 0.95) if joint else rng.uniform(0.75, 1.35)
    branch.size = max(3 if m >= 3 else m, round(m * factor))
    branch.quality = rng.choices(list(QUALITY_WEIGHTS), list(QUALITY_WEIGHTS.values()))[0]
    branch.party_day = rng.choice([5, 10, 15, 18, 20, 25])
    if rng.random() < DISSOLVED_SHARE:
        span = max(1, (ctx.today - max(ctx.first_day, branch.founded_on)).days - 1)
        branch.dissolved_on = max(ctx.first_day, branch.founded_on) + dt.timedelta(
            days=1 + rng.randrange(span)
        )
    return branch


def _make_bench(bench: Node, build: _Builder) -> None:
    """An ordinary, active, well-run branch of 60 (56 party members) whatever the dice said."""
    bench.kind = OrgKind.BRANCH
    bench.size = max(BENCH_MEMBERS, bench.size)
    bench.quality = "good"
    bench.dissolved_on = None
    bench.founded_on = min(bench.founded_on, dt.date(build.ctx.first_day.year - 1, 7, 1))
    if "联合党支部" in bench.short_name:
        bench.short_name = bench.short_name.replace("联合党支部", "党支部")
        bench.name = f"{bench.parent.short_name}{bench.short_name}"


def _groups(build: _Builder, branch: Node) -> list[Node]:
    """Party groups: 2–6 for a branch of ≥ 20 members, sometimes two in a branch of 12–19."""
    if not branch.is_active:
        return []
    if branch.size >= GROUPS_FROM:
        count = max(2, min(6, branch.size // 10))
    elif branch.size >= 12 and build.rng.random() < 0.15:
        count = 2
    else:
        return []
    branch.groups = [
        build.child(
            branch,
            level="group",
            kind=OrgKind.PARTY_GROUP,
            sector=branch.sector,
            name=f"{branch.name}{names.group_name(k)}",
            short_name=names.group_name(k),
        )
        for k in range(1, count + 1)
    ]
    return branch.groups


def create_root(ctx: SeedContext) -> Node:
    org = branch_services.organisation_create(
        name=ctx.options.root_name,
        kind=OrgKind.COMMITTEE,
        sector=Sector.ORGAN,
        code=ctx.options.root_code,
        short_name=f"性能测试{ctx.options.branches}",
        founded_on=dt.date(1949, 10, 1),
    )
    ctx.counts[Organisation._meta.label_lower] = 1
    return Node(
        id=org.pk,
        path=org.path,
        depth=org.depth,
        level="province",
        kind=org.kind,
        sector=org.sector,
        name=org.name,
        short_name=org.short_name,
        code=org.code,
        parent=None,
        founded_on=org.founded_on,
    )


COLUMNS = [
    "id", "name", "short_name", "kind", "sector", "parent_id", "path", "depth", "code",
    "founded_on", "status", "dissolved_on", "dissolved_reason",
]  # fmt: skip


def write(ctx: SeedContext, tree: Tree) -> None:
    """Level by level (parents first), ids taken from the table's sequence beforehand."""
    with ctx.writer(Organisation, COLUMNS) as out:
        for level in (tree.cities, tree.counties, tree.committees, tree.branches, tree.groups):
            for node, pk in zip(level, ctx.ids.take(Organisation, len(level)), strict=True):
                node.id = pk
            for node in level:
                dissolved = node.dissolved_on is not None
                out.add(
                    (
                        node.id, node.name, node.short_name, node.kind, node.sector, node.parent.id,
                        node.path, node.depth, node.code, node.founded_on,
                        OrgStatus.DISSOLVED if dissolved else OrgStatus.ACTIVE,
                        node.dissolved_on, "机构调整，撤销党支部" if dissolved else "",
                    )
                )  # fmt: skip
            out.flush()  # a level is in the table before its children point at it


def build(ctx: SeedContext) -> Tree:
    root = create_root(ctx)
    tree = plan(ctx, root)
    write(ctx, tree)
    return tree
