"""Seed one province-sized tree for the benchmarks (issue 8).

    DEBUG=1 python manage.py seed_scale --branches 10000 --members-per-branch 20 --years 1
    DEBUG=1 python manage.py seed_scale --branches 100000 --members-per-branch 20 --years 1 --direct

Builds a new top-level tree (province → cities → counties → 基层党委 → branches → party
groups) with members, terms, meetings with attendance, dues, talks, ratings, then the
stored compliance and the dashboard rollups; ``--direct`` writes compliance rows instead
of meetings (for 100,000 branches). Refuses a second tree with the same number of
branches. Ends with one ``SEED_SCALE {json}`` line: rows, seconds per step, the keys.
"""

from django.core.management.base import BaseCommand, CommandError

from scale.seed import SeedOptions, SeedRefused, run


class Command(BaseCommand):
    help = "生成省级规模的性能测试数据（组织树、党员、会议、党费、评定、达标情况）。"

    def add_arguments(self, parser):
        parser.add_argument("--branches", type=int, required=True, help="支部数")
        parser.add_argument("--members-per-branch", type=int, required=True, help="每个支部的平均人数")
        parser.add_argument("--years", type=int, default=1, help="年数（截至今年，1—10）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：相同种子生成相同数据")
        parser.add_argument(
            "--direct", action="store_true", help="直接写入达标情况，不生成会议、出勤和党费（用于10万个支部）"
        )

    def handle(self, *args, branches, members_per_branch, years, seed, direct, **options):
        seed_options = SeedOptions(
            branches=branches, members_per_branch=members_per_branch, years=years, seed=seed, direct=direct
        )
        try:
            run(seed_options, say=self._say)
        except SeedRefused as refused:
            raise CommandError(str(refused)) from None

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
