"""python manage.py demo_data — a deterministic demo; running it twice changes nothing."""

import importlib
import importlib.util

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from branches import demo, rules, services
from branches.models import Organisation, Role


class Command(BaseCommand):
    help = "创建演示数据：青山县委组织部 → 3个党委 → 约30个党支部，以及演示账号。"

    def handle(self, *args, **options):
        created = self._build()
        sent = services.term_reminders_send()
        self.stdout.write(
            self.style.SUCCESS(f"演示数据就绪：新建组织 {created} 个，新发换届提醒 {sent} 条。")
        )
        # Higher apps add their part through `<app>/demo.py: build(today=...) -> str`, in
        # INSTALLED_APPS order; branches cannot import them (dependencies point one way).
        for app in apps.get_app_configs():
            if app.name == "branches" or importlib.util.find_spec(f"{app.name}.demo") is None:
                continue
            module = importlib.import_module(f"{app.name}.demo")
            if hasattr(module, "build"):
                self.stdout.write(self.style.SUCCESS(module.build(today=self.today)))
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for _, username, label in sorted(self.accounts, key=lambda a: a[0]):
            self.stdout.write(f"  {username:<18} {label}")
        self.stdout.write(f"  …… 共 {self.secretaries} 位支部书记，用户名为 sec_<组织代码小写>")

    @transaction.atomic
    def _build(self) -> int:
        self.today = timezone.localdate()
        self.created = 0
        self.accounts = []
        self.names = iter(demo.SECRETARY_NAMES * 2)
        User = get_user_model()
        admin, made = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "系统管理员"}
        )
        if made:
            admin.password = demo.demo_password_hash()
            admin.save()
        self.secretaries = 0
        self.accounts.append((0, "admin", "系统管理员：全部组织，规则配置，系统管理"))

        code, name, short, sector = demo.COUNTY
        county = self._org(
            code=code, name=name, short_name=short, kind="committee", sector=sector, parent=None, days=None
        )
        self._user("reviewer_county", "钱立新", county, Role.REVIEWER, "上级党委：青山县委组织部（全县）")
        for c_code, c_name, c_short, c_sector, rev_user, rev_name, children in demo.COMMITTEES:
            committee = self._org(
                code=c_code,
                name=c_name,
                short_name=c_short,
                kind="committee",
                sector=c_sector,
                parent=county,
                days=800,
            )
            self._user(rev_user, rev_name, committee, Role.REVIEWER, f"上级党委：{c_short}")
            for suffix, b_name, kind, b_sector, groups, days in children:
                org = self._org(
                    code=c_code + suffix, name=b_name, kind=kind, sector=b_sector, parent=committee, days=days
                )
                self._staff(org, groups)
                for g_suffix, g_name, g_groups, g_days in demo.GENERAL_BRANCH_CHILDREN.get(org.code, []):
                    child = self._org(
                        code=org.code + g_suffix,
                        name=g_name,
                        kind="branch",
                        sector=b_sector,
                        parent=org,
                        days=g_days,
                    )
                    self._staff(child, g_groups)
        return self.created

    def _staff(self, org, groups):
        if org.kind in rules.BRANCH_KINDS:
            for n in range(1, groups + 1):
                self._org(
                    code=f"{org.code}G{n}",
                    name=f"{org.name}第{'一二三四五'[n - 1]}党小组",
                    kind="party_group",
                    sector=org.sector,
                    parent=org,
                    days=None,
                )
            username = f"sec_{org.code.lower()}"
            self._user(username, next(self.names), org, Role.SECRETARY, f"支部书记：{org.name}", email=False)

    def _org(self, *, code, name, kind, sector, parent, days, short_name=""):
        org = Organisation.objects.filter(code=code).first()
        if org is not None:
            return org
        founded = self.today.replace(year=self.today.year - 12, month=7, day=1)
        org = services.organisation_create(
            code=code,
            name=name,
            short_name=short_name,
            kind=kind,
            sector=sector,
            parent=parent,
            founded_on=founded,
            address="青山县",
        )
        self.created += 1
        if days is not None and kind != "party_group":
            years = rules.default_term_years(kind, sector)
            target = self.today + timezone.timedelta(days=days)
            elected = rules.add_years(target, -years)
            previous = rules.add_years(elected, -years)
            services.term_open(organisation=org, elected_on=previous, length_years=years)
            services.term_open(organisation=org, elected_on=elected, length_years=years)
        return org

    def _user(self, username, full_name, org, role, label, email=True):
        User = get_user_model()
        user, made = User.objects.get_or_create(
            username=username,
            defaults={"first_name": full_name, "email": f"{username}@example.org" if email else ""},
        )
        if made:
            user.password = demo.demo_password_hash()
            user.save()
        services.grant_role(user=user, organisation=org, role=role)
        if role == Role.REVIEWER:
            self.accounts.append((1, username, label))
        else:
            self.secretaries += 1
            if self.secretaries <= 4:
                self.accounts.append((2, username, label))
