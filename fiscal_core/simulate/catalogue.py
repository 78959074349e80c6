"""What a prosperous county-level district in southern Jiangsu (区划 320509000) is made of.

Departments, their subordinate units, what they spend on, and the names of people and companies. The
simulator scales this catalogue; nothing here touches the core.
"""

from __future__ import annotations

from dataclasses import dataclass

DIV_CODE = "320509000"
DIV_NAME = "苏州市吴江区本级"


@dataclass(frozen=True)
class Sub:
    """Subordinate units of one kind: name pattern ({n} numbers, {town} a town), agency type, function
    code, staff per unit (min, max), how many at scale 1."""

    pattern: str
    agency_type: str
    func: str
    staff: tuple[int, int]
    count: int
    ide: str = "22"                # the staff's usual 人员身份


@dataclass(frozen=True)
class Dept:
    code: str
    name: str
    agency_type: str
    func: str                      # 行政运行 of its main 款
    staff: tuple[int, int]
    sector: str                    # key into PROJECTS
    subs: tuple[Sub, ...] = ()
    priority: int = 2              # 1: kept at every scale


TOWNS = ("松陵街道", "江陵街道", "横扇街道", "八坼街道", "同里镇", "平望镇", "盛泽镇", "七都镇", "震泽镇", "黎里镇",
         "桃源镇")

_BUREAUS: tuple[Dept, ...] = (
    Dept("101", "吴江区教育局", "1", "2050101", (30, 45), "education", (
        Sub("吴江区实验幼儿园{n}", "3", "2050201", (25, 45), 16),
        Sub("吴江区实验小学{n}", "3", "2050202", (60, 120), 24),
        Sub("吴江区第{n}初级中学", "3", "2050203", (70, 130), 14),
        Sub("吴江区高级中学{n}", "3", "2050204", (110, 170), 4),
        Sub("吴江区中等专业学校", "4", "2050302", (120, 160), 1),
        Sub("吴江区教师发展中心", "3", "2050803", (30, 50), 1)), priority=1),
    Dept("102", "吴江区卫生健康委员会", "1", "2100101", (30, 45), "health", (
        Sub("吴江区第{n}人民医院", "4", "2100201", (260, 420), 3),
        Sub("吴江区中医医院", "4", "2100202", (220, 320), 1),
        Sub("{town}社区卫生服务中心", "3", "2100301", (35, 70), 10),
        Sub("吴江区疾病预防控制中心", "3", "2100401", (50, 80), 1),
        Sub("吴江区卫生监督所", "2", "2100402", (25, 40), 1),
        Sub("吴江区妇幼保健所", "3", "2100403", (40, 70), 1)), priority=1),
    Dept("103", "吴江区财政局", "1", "2010601", (60, 90), "finance", (
        Sub("吴江区财政投资评审中心", "3", "2010650", (12, 20), 1),), priority=1),
    Dept("104", "吴江区公安分局", "1", "2040201", (180, 260), "security", (
        Sub("吴江区公安分局辅警服务中心", "3", "2040250", (30, 60), 1),), priority=1),
    Dept("105", "吴江区民政局", "1", "2080201", (30, 45), "welfare", (
        Sub("吴江区社会福利院", "3", "2081002", (25, 40), 1),
        Sub("吴江区殡仪馆", "4", "2080208", (20, 35), 1))),
    Dept("106", "吴江区农业农村局", "1", "2130101", (40, 60), "agriculture", (
        Sub("吴江区农业技术推广中心", "3", "2130106", (25, 40), 1),
        Sub("吴江区动物卫生监督所", "3", "2130104", (15, 25), 1))),
    Dept("107", "吴江区水务局", "1", "2130301", (35, 50), "water", (
        Sub("吴江区水利工程管理处", "3", "2130306", (30, 45), 1),)),
    Dept("108", "吴江区交通运输局", "1", "2140101", (35, 50), "transport", (
        Sub("吴江区公路事业发展中心", "3", "2140106", (40, 60), 1),)),
    Dept("109", "吴江区住房和城乡建设局", "1", "2120101", (40, 60), "housing", (
        Sub("吴江区建设工程质量安全监督站", "3", "2120102", (20, 35), 1),)),
    Dept("110", "吴江区文化体育和旅游局", "1", "2070101", (30, 45), "culture", (
        Sub("吴江区图书馆", "3", "2070104", (25, 40), 1),
        Sub("吴江区文化馆", "3", "2070109", (20, 35), 1))),
    Dept("111", "中共苏州市吴江区委办公室", "1", "2013101", (40, 60), "office", priority=1),
    Dept("112", "吴江区人民政府办公室", "1", "2010301", (45, 70), "office", (
        Sub("吴江区机关事务服务中心", "3", "2010350", (25, 40), 1),), priority=1),
    Dept("113", "吴江区人大常委会办公室", "1", "2010101", (30, 45), "office"),
    Dept("114", "政协苏州市吴江区委员会办公室", "1", "2010201", (25, 40), "office"),
    Dept("115", "中共吴江区纪律检查委员会", "1", "2011101", (50, 70), "office"),
    Dept("116", "中共吴江区委组织部", "1", "2013201", (35, 50), "office"),
    Dept("117", "中共吴江区委宣传部", "1", "2013301", (25, 40), "culture"),
    Dept("118", "中共吴江区委统战部", "1", "2013401", (20, 30), "office"),
    Dept("119", "吴江区发展和改革委员会", "1", "2010401", (40, 55), "office"),
    Dept("120", "吴江区审计局", "1", "2010801", (35, 50), "office"),
    Dept("121", "吴江区统计局", "1", "2010501", (25, 35), "office"),
    Dept("122", "吴江区人力资源和社会保障局", "1", "2080101", (45, 65), "labour"),
    Dept("123", "吴江区司法局", "1", "2040601", (40, 60), "security"),
    Dept("124", "吴江区市场监督管理局", "1", "2013801", (90, 130), "office"),
    Dept("125", "吴江区应急管理局", "1", "2240101", (30, 45), "safety"),
    Dept("126", "苏州市吴江生态环境局", "1", "2110101", (35, 50), "environment"),
    Dept("127", "苏州市自然资源和规划局吴江分局", "1", "2200101", (45, 65), "land"),
    Dept("128", "吴江区城市管理局", "1", "2120101", (70, 100), "city", (
        Sub("吴江区城市管理综合执法大队", "2", "2120104", (60, 90), 1),)),
    Dept("129", "吴江区退役军人事务局", "1", "2082801", (20, 30), "welfare"),
    Dept("130", "吴江区医疗保障局", "1", "2101501", (25, 40), "office"),
    Dept("131", "吴江区档案馆", "3", "2012601", (15, 25), "office"),
    Dept("132", "吴江区总工会", "2", "2012901", (20, 30), "office"),
    Dept("133", "吴江区人民法院", "1", "2040501", (90, 130), "security"),
    Dept("134", "吴江区人民检察院", "1", "2040401", (60, 85), "security"),
    Dept("135", "吴江区科学技术局", "1", "2060101", (20, 30), "office"),
    Dept("136", "吴江区商务局", "1", "2010301", (25, 40), "office"),
    Dept("137", "吴江区信访局", "1", "2010301", (15, 25), "office"),
)
_TOWNS: tuple[Dept, ...] = tuple(
    Dept(f"2{i:02d}", f"吴江区{town}", "1", "2010301", (70, 110), "town", (
        Sub(f"{town}便民服务中心", "3", "2010350", (12, 20), 1),
        Sub(f"{town}农业服务中心", "3", "2130104", (10, 18), 1),
        Sub(f"{town}社会事业服务中心", "3", "2080208", (10, 18), 1)), priority=1 if i == 1 else 2)
    for i, town in enumerate(TOWNS, start=1)
)
DEPTS: tuple[Dept, ...] = (*_BUREAUS, *_TOWNS)


@dataclass(frozen=True)
class ProjectKind:
    """A kind of declared project: 项目类别, name, 功能科目 (None: the agency's own), 经济分类, amount range
    in 万元, number per unit per year at scale 1 (×100), flags."""

    cat: str
    name: str
    eco: str
    amount: tuple[int, int]
    per_unit: int
    func: str | None = None
    gov_pur: bool = False
    fund: str = "11"
    multi_year: bool = False
    payee: str = "company"        # company / person / government


COMMON = (
    ProjectKind("222", "专用设备运行维护", "30213", (8, 40), 35),
    ProjectKind("223", "信息系统运行维护", "30227", (10, 80), 35, gov_pur=False),
    ProjectKind("224", "办公场所租赁", "30214", (15, 90), 12),
    ProjectKind("31", "业务培训及会议", "30216", (3, 20), 35),
    ProjectKind("31", "办公设备更新", "31002", (10, 60), 25, gov_pur=True),
)

PROJECTS: dict[str, tuple[ProjectKind, ...]] = {
    "education": (
        ProjectKind("31", "校舍维修改造", "30213", (40, 400), 40, gov_pur=True, multi_year=True),
        ProjectKind("31", "教育信息化建设", "31007", (30, 300), 25, gov_pur=True),
        ProjectKind("32", "学生资助", "30308", (10, 80), 20, payee="person"),
        ProjectKind("31", "课后服务", "30226", (10, 60), 30, payee="person"),
    ),
    "health": (
        ProjectKind("31", "医疗设备购置", "31003", (80, 900), 35, gov_pur=True),
        ProjectKind("32", "基本公共卫生服务", "30227", (50, 400), 30, func="2100408"),
        ProjectKind("31", "医院改扩建", "31001", (300, 3000), 8, gov_pur=True, multi_year=True),
    ),
    "finance": (ProjectKind("31", "财政信息化一体化建设", "31007", (200, 1500), 60, gov_pur=True, multi_year=True),),
    "security": (
        ProjectKind("31", "执法办案装备", "31003", (30, 300), 50, gov_pur=True),
        ProjectKind("31", "执法办案专项", "30299", (20, 200), 40, func="2040220"),
    ),
    "welfare": (
        ProjectKind("32", "城乡低保资金", "30305", (200, 1500), 60, func="2081901", payee="person"),
        ProjectKind("32", "养老服务补贴", "30305", (80, 600), 50, func="2081002", payee="person"),
    ),
    "agriculture": (
        ProjectKind("32", "农业生产发展资金", "31204", (100, 800), 80, func="2130122"),
        ProjectKind("32", "村级公益事业建设补助", "31005", (80, 600), 60, func="2130701", gov_pur=True),
    ),
    "water": (
        ProjectKind("31", "水利工程建设", "31005", (300, 3000), 80, func="2130305", gov_pur=True, multi_year=True),
        ProjectKind("31", "河道长效管护", "30227", (50, 400), 80, func="2130306"),
    ),
    "transport": (
        ProjectKind("31", "农村公路建设", "31005", (300, 2500), 70, func="2140104", gov_pur=True, multi_year=True),
        ProjectKind("31", "公路养护", "30213", (100, 800), 80, func="2140106", gov_pur=True),
    ),
    "housing": (
        ProjectKind("31", "老旧小区改造", "31005", (300, 2500), 80, func="2210108", gov_pur=True, multi_year=True),
        ProjectKind("31", "城市建设（国有土地出让收入安排）", "31005", (800, 6000), 70, func="2120803", gov_pur=True,
                    fund="121", multi_year=True),
    ),
    "culture": (
        ProjectKind("31", "群众文化活动", "30227", (20, 150), 50, func="2070108"),
        ProjectKind("31", "公共文化设施运行", "30213", (20, 150), 40),
    ),
    "office": (ProjectKind("31", "专项业务工作经费", "30227", (10, 120), 60),),
    "labour": (ProjectKind("32", "就业补助资金", "30305", (100, 800), 70, payee="person"),),
    "safety": (ProjectKind("31", "安全生产监管", "30227", (20, 150), 60, func="2240106"),),
    "environment": (ProjectKind("31", "污染防治专项", "30227", (80, 800), 70),),
    "land": (
        ProjectKind("31", "征地拆迁补偿（国有土地出让收入安排）", "31009", (1000, 8000), 80, func="2120801",
                    fund="121", payee="government"),
        ProjectKind("31", "土地开发（国有土地出让收入安排）", "31005", (500, 5000), 60, func="2120802", fund="121",
                    gov_pur=True),
    ),
    "city": (
        ProjectKind("31", "城市环境卫生保洁", "30227", (100, 900), 80, gov_pur=True),
        ProjectKind("31", "市政设施维护", "30213", (80, 700), 70, gov_pur=True),
    ),
    "town": (
        ProjectKind("31", "镇村基础设施建设", "31005", (200, 2000), 100, func="2120303", gov_pur=True, multi_year=True),
        ProjectKind("32", "对村级组织补助", "39908", (50, 400), 80, func="2130705", payee="government"),
        ProjectKind("31", "农村人居环境整治", "30227", (80, 600), 80),
    ),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强晓东海燕红梅文静春梅玉兰婷婷雪梅宏伟俊杰思远子涵雨涵浩然欣怡佳怡梓轩一诺"
COMPANY_PLACES = ("苏州", "吴江", "江苏", "盛泽", "松陵", "同里", "震泽", "太湖", "苏南", "长三角")
COMPANY_WORDS = ("恒信", "华润", "东吴", "永鑫", "德润", "汇通", "嘉禾", "中泰", "鑫源", "宏达", "瑞丰", "天成",
                 "金桥", "新锐", "博远", "众诚", "利民", "安康", "润泽", "启明", "锦程", "蓝天", "绿源", "通达")
COMPANY_TRADES = {"30213": "建筑工程", "31001": "建设工程", "31005": "市政工程", "31002": "信息技术",
                  "31003": "医疗设备", "31007": "软件科技", "30227": "管理服务", "30214": "置业", "30216": "会务服务",
                  "30299": "商贸", "31009": "土地开发", "30201": "办公用品", "31204": "农业发展"}
BANKS = ("中国农业银行吴江支行", "中国工商银行吴江支行", "中国建设银行吴江支行", "中国银行吴江支行", "江苏吴江农村商业银行",
         "交通银行吴江支行")
