"""Chinese names for the generated tree: places, committees and branches by sector, party groups.

Plausible rather than real: a reviewer scrolling a list of 10,000 branches should see
村、社区、机关、医院、企业、学校 as a province has them, not "branch 4711".
"""

from __future__ import annotations

import random

FIRST = "安宝昌长成春崇丹德东丰凤福富高古光广海汉和河红洪华怀淮黄嘉建江金锦晋靖静九开康乐临灵龙隆鹿罗茂梅美明南宁平浦清庆荣瑞三沙山上尚石寿顺松太泰桃天通同万望文五武西仙祥新兴秀阳永玉元云漳正中"  # noqa: E501
SECOND = "安坝宝北滨昌城川村岛东丰峰港冈沟谷关海河湖华江口岭泷陵门南宁平坪浦桥泉沙山水顺台潭塘亭屯湾溪峡乡阳源岳洲庄"  # noqa: E501
ORDINALS = "一二三四五六七八九十"

ORGAN_UNITS = [
    "教育局", "卫生健康局", "财政局", "交通运输局", "自然资源局", "农业农村局",
    "住房和城乡建设局", "市场监督管理局", "人力资源和社会保障局", "民政局", "水利局", "统计局",
]  # fmt: skip
ORGAN_OFFICES = ["办公室", "综合科", "财务科", "规划科", "政策法规科", "执法大队", "信息中心", "服务中心"]
INSTITUTIONS = ["人民医院", "中医院", "妇幼保健院", "疾病预防控制中心", "图书馆", "广播电视台"]
INSTITUTION_UNITS = ["内科", "外科", "儿科", "护理部", "行政后勤", "医技科室", "业务科", "综合部"]
STATE_GROUPS = ["城市投资集团", "交通投资集团", "水务集团", "能源集团", "国有资本运营公司", "供销集团"]
STATE_UNITS = [
    "生产运行部",
    "工程管理部",
    "财务资产部",
    "综合办公室",
    "安全环保部",
    "营销服务中心",
    "第一分公司",
    "第二分公司",
]  # noqa: E501
PRIVATE_SUFFIX = [
    "科技有限公司",
    "机械制造有限公司",
    "食品有限公司",
    "纺织有限公司",
    "物流有限公司",
    "电子有限公司",
]
SOCIAL_UNITS = ["个体劳动者协会", "律师协会", "会计师事务所", "行业商会", "志愿者协会", "养老服务中心"]
COLLEGES = [
    "机电工程学院",
    "经济管理学院",
    "信息工程学院",
    "人文学院",
    "医学院",
    "外国语学院",
    "马克思主义学院",
]
SCHOOL_UNITS = ["教工第一", "教工第二", "行政后勤", "退休教师"]


def place(rng: random.Random) -> str:
    return rng.choice(FIRST) + rng.choice(SECOND)


def unique_place(rng: random.Random, used: set[str]) -> str:
    """A two-character place name not used yet; numbered once the pool runs short."""
    for _ in range(20):
        name = place(rng)
        if name not in used:
            used.add(name)
            return name
    name = f"{place(rng)}{len(used) + 1}"
    used.add(name)
    return name


def ordinal(n: int) -> str:
    """一 … 十, then 11, 12…: enough for the party groups and branches of one unit."""
    return ORDINALS[n - 1] if 1 <= n <= len(ORDINALS) else str(n)


def committee_name(rng: random.Random, sector: str, county: str) -> tuple[str, str]:
    """(name, short name) of a 基层党委 of ``sector`` in ``county`` (a county name without 县)."""
    town = place(rng)
    names = {
        "village": (f"{town}镇委员会", f"{town}镇党委"),
        "community": (f"{town}街道工作委员会", f"{town}街道党工委"),
        "organ": (f"{county}县{rng.choice(ORGAN_UNITS)}机关委员会", ""),
        "institution": (f"{county}县{rng.choice(INSTITUTIONS)}委员会", ""),
        "state_enterprise": (f"{county}{rng.choice(STATE_GROUPS)}委员会", ""),
        "private_enterprise": (f"{county}县非公有制经济组织综合委员会", f"{county}非公综合党委"),
        "social_organisation": (f"{county}县社会组织综合委员会", f"{county}社会组织党委"),
        "university": (f"{county}{rng.choice(['职业技术学院', '师范学院', '理工学院'])}委员会", ""),
        "school": (f"{county}县{rng.choice(['第一中学', '实验中学', '第二中学', '教育集团'])}委员会", ""),
    }
    name, short = names[sector]
    return f"中共{name}", (short or name.replace("委员会", "党委"))[:30]


def branch_name(rng: random.Random, sector: str, index: int, *, joint: bool) -> str:
    """The branch's own part of the name (its short name); the committee's name goes in front."""
    if joint:
        prefix = {
            "private_enterprise": f"{place(rng)}工业园区非公企业",
            "social_organisation": f"{place(rng)}社会组织",
            "village": f"{place(rng)}片区村",
            "community": f"{place(rng)}小区",
        }.get(sector, f"{place(rng)}片区")
        return f"{prefix}联合党支部"
    units = {
        "village": f"{place(rng)}村",
        "community": f"{place(rng)}社区",
        "organ": rng.choice(ORGAN_OFFICES),
        "institution": rng.choice(INSTITUTION_UNITS),
        "state_enterprise": rng.choice(STATE_UNITS),
        "private_enterprise": f"{place(rng)}{rng.choice(PRIVATE_SUFFIX)}",
        "social_organisation": rng.choice(SOCIAL_UNITS),
        "university": f"{rng.choice(COLLEGES)}{rng.choice(['教工', '学生', '研究生'])}",
        "school": rng.choice(SCHOOL_UNITS),
    }
    return f"{units[sector]}第{ordinal(index)}党支部" if sector in {
        "organ", "institution", "state_enterprise", "university", "school", "social_organisation"
    } else f"{units[sector]}党支部"  # fmt: skip


def group_name(index: int) -> str:
    return f"第{ordinal(index)}党小组"
