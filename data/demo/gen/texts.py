"""Sentence templates for descriptions, abstracts and expertise texts."""

from __future__ import annotations

from common import FIELD_LABELS, clip

# ---------------------------------------------------------------- needs ----
NEED_SUFFIX = {
    "工艺": ["优化", "改进", "稳定性提升"],
    "系统": ["研制", "集成开发", "性能提升"],
    "材料": ["开发", "研制", "国产化替代"],
    "": ["开发", "技术攻关", "关键技术研究", "国产化替代", "性能提升", "工程化应用"],
}
DERIVED_SUFFIX = ["应用开发", "技术引进", "产业化合作", "中试验证", "工艺导入"]

INTRO = [
    "我公司主要从事{biz}的研发与生产，",
    "公司是一家专注于{biz}的{tag}，",
    "我司深耕{biz}领域多年，",
    "本公司以{biz}为主营业务，",
]
COMPANY_TAGS = ["高新技术企业", "科技型中小企业", "专精特新中小企业", "省级民营科技企业"]
ATTEMPT = [
    "前期曾自行调整工艺参数，但效果不明显。",
    "目前相关材料和核心部件主要依赖进口，采购周期长、成本高。",
    "公司技术团队在该方向积累不足，亟需外部技术支撑。",
    "下游客户对该项性能提出了更高要求，现有产品难以满足。",
    "公司已建成中试线，但关键工艺尚未打通。",
    "该问题已成为制约产品升级和扩大订单的主要瓶颈。",
    "曾与外部单位有过初步接触，但未形成可落地的方案。",
]
MODE_PHRASE = {
    "joint_development": "与高校院所开展合作开发",
    "commissioned_development": "以委托开发方式请高校院所攻关",
    "transfer": "通过技术转让引进成熟技术",
    "licensing": "以专利许可方式引进相关技术",
    "consulting": "邀请专家开展技术咨询和诊断",
    "service": "获得检测分析与技术服务支持",
    "joint_platform": "与高校院所共建联合研发中心",
}
GOAL = [
    "形成可批量应用的技术方案",
    "在一年内完成样品验证并导入生产",
    "达到下列技术指标并实现产业化",
    "提升产品竞争力，替代进口产品",
    "缩短新产品开发周期，降低生产成本",
]


def need_title(rng, subject: str) -> str:
    for end in ("工艺", "系统", "材料"):
        if subject.endswith(end):
            return subject + rng.choice(NEED_SUFFIX[end])
    if subject.endswith(("开发", "制备", "检测", "替代", "控制", "治理", "优化", "设计", "改造")):
        return subject + rng.choice(["技术攻关", "关键技术研究", "能力提升"])
    return subject + rng.choice(NEED_SUFFIX[""])


def need_description(rng, biz: str, topic, mode: str, derived: str | None = None) -> str:
    intro = rng.choice(INTRO).format(biz=biz, tag=rng.choice(COMPANY_TAGS))
    if derived:
        body = f"为延伸现有产品线，计划引入{derived}相关技术。{topic.problem}。"
    else:
        body = f"{topic.problem}。"
    text = intro + body + rng.choice(ATTEMPT)
    first = topic.indicator_list[0]
    text += f"希望{MODE_PHRASE[mode]}，{rng.choice(GOAL)}，重点指标为{first}。"
    if len(text) < 80:
        text += "公司可提供试验场地、样品和生产线验证条件，并安排专人对接。"
    return clip(text, 250)


def need_indicators(rng, topic, derived: bool) -> str:
    items = topic.indicator_list
    if derived and len(items) > 1:
        items = items[:-1] if rng.random() < 0.5 else items[1:]
    extra = rng.choice(["", "", "提供第三方检测报告", "完成不少于3个月的现场应用验证",
                        "交付完整工艺文件与技术培训"])
    return "；".join(items + ([extra] if extra else []))


# --------------------------------------------------------- achievements ----
METHOD_GROUP = {
    "new_materials": "mat", "textiles": "mat", "construction": "mat", "ic_semiconductor": "mat",
    "hydrogen_storage": "equip", "ship_offshore": "equip", "intelligent_manufacturing": "equip",
    "nev": "equip", "biomedicine": "bio", "synthetic_biology": "bio", "cell_gene": "bio",
    "ai": "digital", "electronic_info": "digital",
}
METHODS = {
    "mat": ["建立了关键工艺参数与材料性能之间的定量关系", "筛选并优化了核心材料配方与制备工艺",
            "通过微观结构表征揭示了性能提升机理", "完成了工艺窗口验证并形成工艺规范"],
    "equip": ["采用仿真计算与试验验证相结合的方法优化了核心结构", "研制了原理样机并完成台架试验",
              "开发了配套的控制软件与状态监测算法", "建立了关键部件的可靠性评价方法"],
    "bio": ["构建了关键菌株、细胞株或工艺平台", "建立了过程分析与质量控制方法",
            "完成了工艺放大与多批次稳定性验证", "优化了培养、合成与纯化等关键工艺参数"],
    "digital": ["构建了面向工业场景的算法模型与数据集", "开发了软硬件一体化原型系统",
                "在真实生产环境中完成了部署验证", "形成了可配置的平台化软件产品"],
}
MATURITY_PHRASE = {
    "lab": "目前已完成实验室验证，处于原理样品阶段",
    "pilot": "目前已完成小试，样品性能稳定",
    "scaleup": "目前已在合作企业完成中试验证，具备放大生产条件",
    "industrialized": "目前已在{n}家企业实现产业化应用，运行稳定",
}


def achievement_abstract(rng, topic, title: str, idx: int, maturity: str, n_patents: int) -> str:
    head = f"针对{topic.problem_head}等问题，"
    if idx == 0:
        core = f"本成果{topic.approach}。"
    else:
        core = f"课题组开展{title}研究，{rng.choice(METHODS[METHOD_GROUP[topic.field]])}。"
    inds = topic.indicator_list
    if idx > 0 and len(inds) > 1:
        inds = rng.sample(inds, rng.randint(1, len(inds) - 1))
    result = f"经测试，关键指标达到：{'、'.join(inds)}。"
    stage = MATURITY_PHRASE[maturity].format(n=rng.randint(2, 8)) + "。"
    if n_patents:
        ip = f"已获授权专利{n_patents}项" + rng.choice(["。", "，另有发明专利申请在审。"])
    else:
        ip = rng.choice(["相关发明专利正在申请中。", "已形成完整技术资料和工艺包。"])
    use = f"可应用于{FIELD_LABELS[topic.field]}领域{topic.subject}相关企业的产品开发与升级。"
    text = head + core + result + stage + ip
    if len(text) + len(use) <= 300:
        text += use
    if len(text) < 100:
        text += "团队可提供技术培训与现场工艺指导。"
    return clip(text, 300)


def achievement_keywords(rng, topic, title: str) -> str:
    words = [k for k in topic.keywords]
    rng.shuffle(words)
    words = words[: rng.randint(3, min(5, len(words)))]
    # Put the words that occur in the title first.
    words.sort(key=lambda w: w not in title)
    return ";".join(words)


# -------------------------------------------------------------- experts ----
ACADEMIC = [
    "主持国家自然科学基金、国家重点研发计划课题等项目{n}项，授权发明专利{m}项",
    "主持省部级以上科研项目{n}项，发表学术论文{p}余篇，授权发明专利{m}项",
    "获省部级科技奖励{k}项，授权发明专利{m}项",
]
SERVICE = [
    "曾为{c}家企业提供技术咨询与工艺诊断",
    "担任多家企业科技副总，熟悉成果转化流程",
    "为科技镇长团成员，长期服务地方企业技术攻关",
    "与企业共建联合实验室{k}个，承担企业委托项目{c}项",
]
AVAILABILITY = [
    "每月可安排2天现场服务", "每季度可赴企业现场对接1次", "可提供线上咨询，每月现场1次",
    "寒暑假可集中赴企业服务", "每周可安排半天线上答疑", "可参加专场对接会与技术巡诊",
    "可长期担任企业技术顾问", "每月可安排1~2次技术巡诊",
]


def expertise_text(rng, subjects: list[str]) -> str:
    fmt = dict(n=rng.randint(3, 12), m=rng.randint(5, 40), p=rng.randint(30, 120),
               k=rng.randint(1, 4), c=rng.randint(5, 30))
    text = f"长期从事{'、'.join(subjects)}等方向研究，"
    text += rng.choice(ACADEMIC).format(**fmt) + "；" + rng.choice(SERVICE).format(**fmt) + "。"
    if len(text) < 60:
        text += "可为企业提供技术路线论证和关键问题诊断。"
    return clip(text, 150)
