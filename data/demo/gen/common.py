"""Shared pieces of the demo generator: topic registry, names, business lines, helpers."""

from __future__ import annotations

from datetime import date, timedelta

from orgs import ENTERPRISES, OTHERS, POOLS, TOWNS, UNIVERSITIES  # noqa: F401
from topics_a import TOPICS_A
from topics_b import TOPICS_B
from topics_c import TOPICS_C
from topics_d import TOPICS_D
from topics_e import TOPICS_E

FIELDS = [
    "ship_offshore", "biomedicine", "ic_semiconductor", "new_materials", "hydrogen_storage",
    "nev", "intelligent_manufacturing", "textiles", "construction", "synthetic_biology",
    "cell_gene", "electronic_info", "ai",
]
FIELD_LABELS = {
    "ship_offshore": "船舶海工", "biomedicine": "生物医药与特医食品",
    "ic_semiconductor": "集成电路与第三代半导体", "new_materials": "新材料",
    "hydrogen_storage": "氢能与新型储能", "nev": "新能源汽车",
    "intelligent_manufacturing": "智能制造与工业机器人", "textiles": "纺织与家纺",
    "construction": "建筑与绿色建材", "synthetic_biology": "合成生物",
    "cell_gene": "细胞与基因技术", "electronic_info": "电子信息", "ai": "人工智能",
}
MODES = ["transfer", "licensing", "joint_development", "commissioned_development",
         "consulting", "service", "joint_platform"]
MATURITIES = ["lab", "pilot", "scaleup", "industrialized"]
TRL_RANGE = {"lab": (1, 3), "pilot": (4, 5), "scaleup": (6, 7), "industrialized": (8, 9)}
NEED_STATUSES = ["open", "in_docking", "solved", "closed"]
ORG_KINDS = ["enterprise", "university", "institute", "bureau", "intermediary"]


class Topic:
    """One technical topic: a problem companies have and what universities offer for it."""

    def __init__(self, field: str, row: tuple) -> None:
        self.field = field
        self.subject, self.problem, self.indicators, self.titles, self.approach, kw = row
        self.keywords = [k for k in kw.split(";") if k]

    @property
    def indicator_list(self) -> list[str]:
        return [p for p in self.indicators.split("；") if p]

    @property
    def problem_head(self) -> str:
        return self.problem.split("，")[0]


def load_topics() -> dict[str, list[Topic]]:
    topics: dict[str, list[Topic]] = {f: [] for f in FIELDS}
    for table in (TOPICS_A, TOPICS_B, TOPICS_C, TOPICS_D, TOPICS_E):
        for field, rows in table.items():
            topics[field].extend(Topic(field, r) for r in rows)
    return topics


# Business lines of the 60 enterprises, in the order of orgs.ENTERPRISES.
BIZ = {
    "ship_offshore": ["船舶配套设备", "船舶分段与海工结构件建造", "海洋工程平台与海上风电装备",
                      "船用甲板机械", "船用阀门与LNG低温管阀", "智能船舶系统与船舶能效管理",
                      "海工钢结构与水下作业装备"],
    "biomedicine": ["化学原料药与多肽药物", "特殊医学用途配方食品与益生菌制品",
                    "医用敷料与一次性医疗器械", "中药提取物与缓释制剂", "体外诊断试剂与仪器"],
    "ic_semiconductor": ["氮化镓外延片与功率器件", "湿电子化学品与CMP抛光材料", "集成电路封装测试",
                         "碳化硅功率器件与模块", "半导体设备精密部件"],
    "new_materials": ["玻璃纤维复合材料", "石墨烯导热材料与功能涂料", "改性塑料与特种橡胶制品",
                      "高温合金铸件与金属粉末", "气凝胶保温材料", "碳纤维及其复合材料"],
    "hydrogen_storage": ["燃料电池电堆与系统", "电解水制氢与高压储氢装备", "锂电池储能系统集成",
                         "钠离子电池材料与电芯", "液流电池与储能变流器", "船用氢燃料电池动力系统"],
    "nev": ["新能源汽车驱动电机与电驱总成", "退役动力电池回收与梯次利用",
            "汽车轻量化铝合金部件与热管理部件", "车载电源、充电设备与汽车电子"],
    "intelligent_manufacturing": ["工业机器人与自动化生产线", "数控机床与精密减速器", "机器视觉检测设备",
                                  "液压元件", "AGV与智能仓储物流设备", "高效永磁电机"],
    "textiles": ["床上用品与家纺面料", "纺织品印染加工", "非织造布与产业用纺织品", "数码印花与印花墨水",
                 "再生纤维素纤维", "智能服饰与功能面料"],
    "construction": ["装配式混凝土预制构件", "建筑垃圾再生骨料与制品", "建筑保温与光伏建筑一体化",
                     "低碳胶凝材料与透水铺装材料", "建筑防水卷材与防水涂料"],
    "synthetic_biology": ["微生物发酵与生物基材料", "工业酶制剂与重组蛋白"],
    "cell_gene": ["免疫细胞与干细胞治疗", "基因检测与基因治疗CDMO服务"],
    "electronic_info": ["通信天线、滤波器与光模块", "高频高速印制电路板", "MEMS传感器与智能计量仪表"],
    "ai": ["工业大模型与企业智能体", "视觉检测与视频智能分析", "工业数据分析与优化调度"],
}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
            "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺"
            "顾毛郝龚邵万钱严武戴孔汤施缪季茅瞿陈张王李")
GIVEN2 = ("建国 志强 海燕 丽华 文博 晓明 振宇 思远 佳怡 俊杰 雨桐 浩然 明轩 嘉豪 宏伟 永红 卫东 秀英 "
          "立新 国庆 德胜 文军 海涛 晓东 学军 新华 晓峰 志刚 晨曦 一鸣 逸飞 静怡 天宇 建华 红梅 "
          "玉芳 春华 振华 国栋 志远 子健 亚楠 慧敏 宇航 晓燕 海峰 金龙 长青 春雷 明辉 伟民 建平 "
          "雪梅 丽娟 凤英 胜利 永刚 少华 国强 小平 利民 晓红 金华 志华 俊峰 瑞雪 思琪 梦瑶 泽宇 "
          "博文 维明 鹏程 家骏 凌云 海波 若飞 振东 秋云 凯文 亚军 文涛 锦程 晓岚 立群 德明 光辉 "
          "卫国 兴华 建军 海鹰 永强 婉婷 晶晶 雅琴 丹丹 永辉 晓梅 志勇 云峰 怀远 书涵 启明").split()
GIVEN1 = list("伟芳敏静强磊军洋勇艳杰涛明超霞平刚华鹏辉宇浩凯健俊帆旭宁龙林欢阳晨瑞博斌峰亮蕾琳颖")


class Names:
    """Invented personal names, each used once unless reused on purpose."""

    def __init__(self, rng) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            given = self.rng.choice(GIVEN2) if self.rng.random() < 0.72 else self.rng.choice(GIVEN1)
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name


def patent_check(digits12: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits12, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def patent_number(rng) -> str:
    year = rng.randint(2015, 2025)
    kind = "1" if rng.random() < 0.8 else "2"
    digits = f"{year}{kind}{rng.randint(0, 9_999_999):07d}"
    return f"ZL{digits}.{patent_check(digits)}"


def random_date(rng, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def clip(text: str, limit: int) -> str:
    """Cut text at the last sentence end that keeps it within limit characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    pos = max(cut.rfind("。"), cut.rfind("；"))
    return cut[: pos + 1] if pos > 0 else cut[: limit - 1] + "。"
