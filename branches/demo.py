"""The demo organisation tree: a county department, three committees, about 30 branches.

Kept as data so that demo_data, tests and later issues share one picture.
Each branch line: (code suffix, name, kind, sector, party groups, days from today to expiry).
A negative number of days is an overdue term; None leaves the term unrecorded.
"""

from functools import cache

COUNTY = ("XQ", "青山县委组织部", "县委组织部", "organ")
DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed and listed in README on purpose

# (code, name, short name, sector, reviewer username, reviewer name, children)
COMMITTEES = [
    (
        "XQ01",
        "中共青山县城关镇委员会",
        "城关镇党委",
        "village",
        "reviewer_town",
        "周建华",
        [
            ("01", "东风村党支部", "branch", "village", 3, 420),
            ("02", "红旗村党支部", "branch", "village", 2, 95),
            ("03", "前进村党支部", "branch", "village", 0, -40),
            ("04", "新华村党支部", "branch", "village", 2, 900),
            ("05", "向阳村党支部", "branch", "village", 0, 160),
            ("06", "柳林村联合党支部", "joint_branch", "village", 0, 1300),
            ("07", "城南社区党总支", "general_branch", "community", 0, 600),
            ("08", "幸福社区党支部", "branch", "community", 2, -220),
            ("09", "城关镇机关党支部", "branch", "organ", 0, 30),
            ("10", "城关镇中心小学党支部", "branch", "school", 0, 500),
            ("11", "城关镇卫生院党支部", "branch", "institution", 0, 700),
            ("12", "青山绿源农业科技有限公司党支部", "branch", "private_enterprise", 0, None),
            ("13", "城关镇个体劳动者协会党支部", "branch", "social_organisation", 0, 250),
        ],
    ),
    (
        "XQ02",
        "中共青山县能源投资集团有限公司委员会",
        "能源集团党委",
        "state_enterprise",
        "reviewer_energy",
        "吴海峰",
        [
            ("01", "集团机关党总支", "general_branch", "state_enterprise", 0, 330),
            ("02", "发电分公司党支部", "branch", "state_enterprise", 2, 120),
            ("03", "供热分公司党支部", "branch", "state_enterprise", 0, 800),
            ("04", "燃气分公司党支部", "branch", "state_enterprise", 3, -400),
            ("05", "光伏电站项目临时党支部", "branch", "state_enterprise", 0, 45),
            ("06", "离退休职工党支部", "branch", "state_enterprise", 0, 1000),
        ],
    ),
    (
        "XQ03",
        "中共青山职业技术学院委员会",
        "职业技术学院党委",
        "university",
        "reviewer_college",
        "郑晓梅",
        [
            ("01", "机电工程学院党总支", "general_branch", "university", 0, 380),
            ("02", "经济管理学院党总支", "general_branch", "university", 0, -15),
            ("03", "机关党总支", "general_branch", "university", 0, 720),
            ("04", "附属医院党支部", "branch", "institution", 2, 140),
            ("05", "离退休教职工党支部", "branch", "university", 0, 560),
        ],
    ),
]

# Branches inside general branches: general branch code → [(suffix, name, groups, days)].
GENERAL_BRANCH_CHILDREN = {
    "XQ0107": [("01", "城南社区第一党支部", 2, 210), ("02", "城南社区第二党支部", 0, 600)],
    "XQ0201": [("01", "综合办公室党支部", 0, 330), ("02", "财务资产部党支部", 0, 330)],
    "XQ0301": [
        ("01", "机电工程学院教工党支部", 0, 380),
        ("02", "机电工程学院学生第一党支部", 0, 75),
        ("03", "机电工程学院学生第二党支部", 0, 380),
    ],
    "XQ0302": [("01", "经济管理学院教工党支部", 0, -15), ("02", "经济管理学院学生党支部", 2, 170)],
    "XQ0303": [("01", "机关第一党支部", 0, 720), ("02", "后勤服务党支部", 0, 250)],
}

SECRETARY_NAMES = [
    "王国强",
    "李秀英",
    "张志刚",
    "刘桂兰",
    "陈建军",
    "杨丽娟",
    "赵红梅",
    "黄永福",
    "孙晓东",
    "马玉兰",
    "胡春生",
    "朱海燕",
    "林志远",
    "何文静",
    "高建平",
    "罗小芳",
    "梁国栋",
    "宋雅琴",
    "谢明亮",
    "韩淑珍",
    "唐振华",
    "冯玉梅",
    "许立新",
    "邓丽华",
    "曹建国",
    "彭美玲",
    "曾德胜",
    "萧雪梅",
    "田卫东",
    "董秀兰",
    "袁志强",
    "潘红霞",
]


@cache
def demo_password_hash() -> str:
    """Hash the demo password once: every demo account shares it, and each hash takes a fifth of a second."""
    from django.contrib.auth.hashers import make_password

    return make_password(DEMO_PASSWORD)
