"""Demo members: 15–45 a branch, every stage, committees, party groups, then dues and transfers.

Deterministic (a random generator seeded by the branch code) and idempotent:
a branch that already has members is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from branches.models import Organisation, Term
from branches.rules import add_months, add_years

from . import demo_dues, demo_transfers, idcard
from .models import Member
from .services import members as services
from .services import pipeline

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = (
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华 建国 建军 志强 志明 海燕 "
    "红梅 玉兰 春梅 晓东 晓梅 文博 子涵 浩然 欣怡 雨桐 梓萱 宇航 思远 佳怡 俊杰 晨曦 国庆 卫东 爱华 淑珍 立新 德明"
).split()
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族", "壮族", "土家族"]
REGIONS = ["330102", "330103", "330106", "330182", "330183", "330122"]
WORK_UNITS = {
    "village": ["村民委员会", "种植合作社", "村集体经济合作社", "个体经营"],
    "community": ["社区居委会", "物业服务中心", "社区卫生服务站", "退休"],
    "organ": ["镇党政办", "镇财政所", "镇综合执法队", "镇便民服务中心"],
    "institution": ["镇卫生院", "附属医院内科", "附属医院外科", "附属医院行政科"],
    "state_enterprise": ["发电运行部", "燃气输配中心", "综合办公室", "财务资产部", "工程管理部"],
    "private_enterprise": ["生产部", "销售部", "技术部"],
    "social_organisation": ["个体劳动者协会", "个体工商户"],
    "university": ["机电工程学院", "经济管理学院", "学生处", "后勤服务中心", "教务处"],
    "school": ["中心小学", "中心小学教务处"],
}
EDUCATIONS = ["bachelor", "bachelor", "college", "postgraduate", "high_school", "secondary", "junior"]


def _name(rng: random.Random, used: set) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name


@transaction.atomic
def _populate(branch: Organisation, today: dt.date, serial: list[int]) -> int:
    rng = random.Random(branch.code)
    groups = list(Organisation.objects.filter(parent=branch, kind="party_group").order_by("path"))
    size = rng.randint(15, 45) if groups or branch.kind != "joint_branch" else rng.randint(15, 20)
    if branch.code.endswith("0106"):  # the joint branch: few full members of its own
        size = 15
    retired_branch = "离退休" in branch.name
    students = "学生" in branch.name
    used: set[str] = set()
    created = []
    for i in range(size):
        roll = rng.random()
        stage = (
            "full"
            if roll < 0.78
            else "probationary"
            if roll < 0.86
            else "candidate"
            if roll < 0.90
            else "activist"
            if roll < 0.96
            else "applicant"
        )
        if branch.code.endswith("0106") and i >= 2:
            stage = "probationary" if i < 5 else "full" if i < 7 else "activist"
        age = (
            rng.randint(19, 24)
            if students
            else rng.randint(62, 85)
            if retired_branch
            else rng.randint(24, 60)
        )
        birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        gender = "male" if rng.random() < 0.6 else "female"
        serial[0] += 1
        seq = (serial[0] * 2 + (1 if gender == "male" else 0)) % 1000
        fields = {
            "name": _name(rng, used),
            "gender": gender,
            "birth_date": birth,
            "ethnicity": rng.choice(ETHNICITIES),
            "id_number": idcard.make_id_number(rng.choice(REGIONS), birth, seq),
            "education": rng.choice(EDUCATIONS),
            "phone": f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
            "work_unit": rng.choice(WORK_UNITS[branch.sector]),
            "dues_category": "retired"
            if retired_branch
            else "student"
            if students
            else "farmer"
            if branch.sector == "village"
            else "employed",
            "party_group": groups[i % len(groups)] if groups else None,
        }
        # Some records are incomplete, so the completeness list has something to show.
        if rng.random() < 0.12:
            fields["phone"] = ""
        if rng.random() < 0.08:
            fields["education"] = ""
            fields["work_unit"] = ""
        applied = add_months(birth, 12 * 18 + rng.randint(6, 200))
        applied = min(applied, today - dt.timedelta(days=60))
        fields["applied_on"] = applied
        if stage != "applicant":
            fields["activist_on"] = min(add_months(applied, rng.randint(1, 6)), today - dt.timedelta(days=30))
        if stage in ("candidate", "probationary", "full"):
            fields["candidate_on"] = max(add_years(fields["activist_on"], 1), fields["activist_on"])
            fields["candidate_on"] = min(fields["candidate_on"], today - dt.timedelta(days=20))
        if stage == "probationary":
            # Probation ends anywhere from overdue to a year away: the pipeline has work to show.
            fields["admitted_on"] = today - dt.timedelta(days=rng.choice([40, 120, 200, 300, 340, 352, 380]))
            fields["candidate_on"] = min(
                fields["candidate_on"], fields["admitted_on"] - dt.timedelta(days=90)
            )
            fields["activist_on"] = min(fields["activist_on"], add_years(fields["candidate_on"], -1))
            fields["applied_on"] = min(fields["applied_on"], fields["activist_on"] - dt.timedelta(days=30))
            fields["admission_doc_no"] = (
                f"{branch.short_name or branch.name[:4]}党员大会决议〔{fields['admitted_on'].year}〕{i + 1}号"
            )
        if stage == "full":
            # Confirmed at least a month ago: the whole pipeline lies in the past.
            fields["candidate_on"] = min(fields["candidate_on"], today - dt.timedelta(days=500))
            fields["activist_on"] = min(fields["activist_on"], add_years(fields["candidate_on"], -1))
            fields["applied_on"] = min(fields["applied_on"], fields["activist_on"] - dt.timedelta(days=30))
            admitted = min(add_years(fields["candidate_on"], 1), today - dt.timedelta(days=400))
            fields["admitted_on"] = max(admitted, fields["candidate_on"])
            fields["confirmed_on"] = add_years(fields["admitted_on"], 1)
            fields["admission_doc_no"] = f"入党决议〔{fields['admitted_on'].year}〕{i + 1}号"
            fields["confirmation_doc_no"] = f"转正决议〔{fields['confirmed_on'].year}〕{i + 1}号"
        # The backdated steps may put the application before the 18th birthday: move the birth back.
        adult_by = add_years(fields["applied_on"], -18)
        if birth > adult_by:
            birth = adult_by - dt.timedelta(days=rng.randint(30, 900))
            fields["birth_date"] = birth
            fields["id_number"] = idcard.make_id_number(fields["id_number"][:6], birth, seq)
        created.append(services.member_create(organisation=branch, stage=stage, **fields))
    _appoint(branch, created, today)
    return len(created)


def _appoint(branch: Organisation, members: list[Member], today: dt.date) -> None:
    term = Term.objects.filter(organisation=branch, status="current").first()
    full = [m for m in members if m.stage == "full"]
    if term is None or not full:
        return
    positions = (
        ["secretary", "organisation", "propaganda", "discipline", "deputy"]
        if len(full) >= 7
        else ["secretary"]
    )
    if branch.code in ("XQ0102", "XQ030102"):
        positions = ["secretary"]  # no committee although it needs one: a structure warning to show
    for member, position in zip(full, positions, strict=False):
        services.appointment_add(term=term, member=member, position=position, appointed_on=term.elected_on)


def build(*, today: dt.date) -> str:
    branches = Organisation.objects.filter(
        kind__in=["branch", "joint_branch"], code__startswith="XQ"
    ).order_by("path")
    serial = [Member.objects.count()]
    added = 0
    for branch in branches:
        if not Member.objects.filter(organisation=branch).exists():
            added += _populate(branch, today, serial)
    _member_account()
    parts = [
        f"党员演示数据：新建 {added} 人，共 {Member.objects.count()} 人；党员账号 member_xq0101 可查看本人信息。"
    ]
    parts += [line for line in (demo_dues.seed(today=today), demo_transfers.seed(today=today)) if line]
    sent = pipeline.pipeline_reminders_send(today=today)
    parts.append(f"发展党员提醒：新发 {sent} 条。")
    return "\n".join(parts)


def _member_account() -> None:
    """A member who logs in to see their own record: 党员 of 东风村党支部."""
    from django.contrib.auth import get_user_model

    from branches import demo as branch_demo
    from branches.models import Role
    from branches.services import grant_role

    branch = Organisation.objects.filter(code="XQ0101").first()
    member = (
        Member.objects.filter(organisation=branch, stage="full").order_by("pk").first() if branch else None
    )
    if member is None or member.user_id:
        return
    user, made = get_user_model().objects.get_or_create(
        username="member_xq0101", defaults={"first_name": member.name}
    )
    if made:
        user.password = branch_demo.demo_password_hash()
        user.save()
    Member.objects.filter(pk=member.pk).update(user=user)
    grant_role(user=user, organisation=branch, role=Role.MEMBER)
