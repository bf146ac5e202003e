"""Tables behind the demo data: Hangzhou's 13 divisions, the stage mix, industries and name parts.

Plain data, so a reviewer can judge the realism at a glance and tune a share without reading the
generator. Weights are relative; shares are fractions of all firms.
"""

from datetime import date, datetime, timedelta

DEMO_PASSWORD = "peiyuku-demo"  # passes workflows.passwords: 10+ characters, not common, no login inside
# The register went live at the start of the 2021—2023 plan (or two years ago, if later): registrations, cases,
# pool admissions and label dates spread from here to today, so the plan's years have records of their own.
HISTORY_START = date(2021, 1, 1)
GO_LIVE_DAYS = 730  # the register "went live" two years before now at the latest: older firms were loaded then


def go_live_day(now: datetime) -> date:
    """The day the demo register went live: 2021-01-01, so the plan's years have records of their own."""
    return min(HISTORY_START, (now - timedelta(days=GO_LIVE_DAYS)).date())

# code, name, short name (used in firm names), login of its county officer, relative size.
# The big urban and industrial districts carry most firms; the three mountain counties few.
DISTRICTS = (
    ("330102", "上城区", "上城", "shangcheng", 10.0),
    ("330105", "拱墅区", "拱墅", "gongshu", 10.0),
    ("330106", "西湖区", "西湖", "xihu", 10.5),
    ("330108", "滨江区", "滨江", "binjiang", 8.5),
    ("330109", "萧山区", "萧山", "xiaoshan", 15.0),
    ("330110", "余杭区", "余杭", "yuhang", 12.0),
    ("330111", "富阳区", "富阳", "fuyang", 6.0),
    ("330112", "临安区", "临安", "linan", 4.5),
    ("330113", "临平区", "临平", "linping", 8.0),
    ("330114", "钱塘区", "钱塘", "qiantang", 7.5),
    ("330122", "桐庐县", "桐庐", "tonglu", 3.2),
    ("330127", "淳安县", "淳安", "chunan", 2.3),
    ("330182", "建德市", "建德", "jiande", 2.5),
)
DISTRICT_NAMES = {code: name for code, name, *_ in DISTRICTS}

# Codes frozen into older USCCs (domain-facts §1.1, §5): the registering authority before the 2021
# adjustment. 330100 is the city-level authority.
ADJUSTMENT_DAY = date(2021, 4, 9)
FORMER_AREAS = {
    "330102": ("330104", 0.45),  # 江干区 merged into the new 上城区
    "330105": ("330103", 0.45),  # 下城区 merged into the new 拱墅区
    "330113": ("330110", 0.85),  # 临平 was part of 余杭区
    "330114": ("330104", 0.50),  # 下沙/白杨 came from 江干区 (the rest from 萧山)
}
CITY_AREA = "330100"

STAGE_SHARES = {
    "individual": 0.45,
    "enterprise": 0.484,
    "above_scale": 0.05,
    "joint_stock": 0.015,
    "listed": 0.001,
}

# Registration years: a firm of each stage is drawn from [first, 2026] with weight growth**(year-first).
# Individual businesses churn, so most live ones are recent; listed companies are old.
REG_YEARS = {
    "individual": (2000, 1.16),
    "enterprise": (1995, 1.12),
    "above_scale": (1995, 1.05),
    "joint_stock": (1995, 1.03),
    "listed": (1995, 1.0),
}
DATA_END = date(2026, 6, 30)  # the last registration date in the data (clipped to today if earlier)
YEARS = (2023, 2024, 2025)

# status by stage: active, deregistered, revoked, moved_out
STATUS_WEIGHTS = {
    "individual": (88, 6.5, 3.5, 2),
    "enterprise": (92, 4, 2.5, 1.5),
    "above_scale": (98, 1, 0.5, 0.5),
    "joint_stock": (99.5, 0.2, 0.1, 0.2),
    "listed": (100, 0, 0, 0),
}

# Industries (GB/T 4754-2017 codes as the firm records carry them).
# code: (words for company names, shop words for individual businesses or (),
#        weight among individuals, among 规下 enterprises, among 规上 and larger,
#        revenue per employee in 万元, 八大万亿产业 tags with probabilities, technology-intensive)
INDUSTRIES = {
    "A01": (("农业开发", "生态农业"), ("家庭农场", "种植场"), 3, 1.0, 0.3, 20, (("tourism", 0.15),), False),
    "C13": (("食品", "农副产品加工"), ("粮油加工坊",), 0.5, 2.0, 3.0, 90, (), False),
    "C17": (("纺织", "织造"), (), 0, 2.0, 5.0, 60, (("fashion", 0.6),), False),
    "C18": (("服饰", "服装"), ("服装加工坊",), 1.5, 2.5, 4.0, 40, (("fashion", 0.8),), False),
    "C26": (("化工", "新材料"), (), 0, 1.0, 3.0, 150, (("environment", 0.1),), False),
    "C27": (("生物医药", "医药"), (), 0, 0.6, 2.5, 100, (("health", 0.95),), True),
    "C29": (("塑料制品", "橡塑"), (), 0, 1.5, 3.0, 70, (), False),
    "C33": (("五金", "金属制品"), ("五金加工部",), 1.0, 3.0, 6.0, 65, (), False),
    "C34": (("机械", "通用设备"), (), 0, 2.5, 7.0, 75, (("equipment", 0.6),), False),
    "C35": (("智能装备", "专用设备"), (), 0, 1.5, 5.0, 80, (("equipment", 0.8),), True),
    "C36": (("汽车零部件", "汽配"), (), 0, 1.0, 4.0, 90, (("equipment", 0.7),), False),
    "C38": (("电气", "电器"), (), 0, 2.0, 6.0, 85, (("equipment", 0.5),), False),
    "C39": (("电子", "智能科技"), (), 0, 2.0, 6.0, 110, (("information", 0.85),), True),
    "C40": (("仪器仪表", "检测设备"), (), 0, 0.6, 1.5, 70, (("equipment", 0.7),), True),
    "C24": (("工艺品", "文体用品"), ("工艺品店",), 0.5, 0.8, 1.0, 45, (("culture", 0.6),), False),
    "D44": (("新能源", "电力工程"), (), 0, 0.4, 1.0, 200, (("environment", 0.7),), False),
    "E47": (("建设", "建筑工程"), (), 0, 1.5, 3.0, 50, (), False),
    "E48": (("市政工程", "水利工程"), (), 0, 1.5, 2.5, 55, (("environment", 0.15),), False),
    "E50": (("装饰工程", "建筑装饰"), ("装修队", "装潢部"), 4, 3.0, 2.0, 35, (), False),
    "F51": (("贸易", "商贸", "进出口"), ("批发部", "经营部"), 6, 18.0, 12.0, 250, (("fashion", 0.1),), False),
    "F52": (("商业", "电子商务"), ("便利店", "水果店", "服装店", "五金店", "超市", "烟酒店", "母婴店"),
            34, 6.0, 3.0, 120, (("fashion", 0.12),), False),
    "G54": (("物流", "运输"), ("货运部", "搬家服务部"), 6, 3.0, 2.0, 45, (), False),
    "G59": (("仓储", "供应链"), (), 0, 1.0, 1.0, 60, (), False),
    "H61": (("酒店管理", "旅游开发"), ("民宿", "客栈"), 3, 1.0, 1.0, 20, (("tourism", 0.8),), False),
    "H62": (("餐饮管理", "餐饮"), ("面馆", "小吃店", "快餐店", "饭店", "奶茶店", "早餐店"),
            20, 2.0, 1.0, 15, (("tourism", 0.12),), False),
    "I64": (("网络科技", "互联网科技"), (), 0, 3.0, 2.0, 60, (("information", 0.95),), True),
    "I65": (("信息技术", "软件", "数字科技"), ("电脑维修部",), 0.5, 9.0, 6.0, 45, (("information", 0.95),), True),
    "J69": (("投资管理", "资产管理"), (), 0, 1.0, 0.5, 150, (("finance", 0.9),), False),
    "K7010": (("房地产开发", "置业"), (), 0, 0.5, 2.0, 300, (), False),
    "K7020": (("物业管理", "物业服务"), (), 0, 1.5, 1.0, 12, (), False),
    "L71": (("租赁", "设备租赁"), ("租赁部",), 0.5, 1.0, 0.5, 80, (), False),
    "L72": (("企业管理咨询", "文化传媒", "人力资源"), ("广告部", "图文店"), 2, 12.0, 4.0, 40,
            (("culture", 0.35),), False),
    "M73": (("生物科技", "研究院"), (), 0, 1.0, 1.0, 40, (("health", 0.5), ("information", 0.3)), True),
    "M75": (("科技", "技术服务"), (), 0, 8.0, 3.0, 35, (("information", 0.6), ("environment", 0.1)), True),
    "N77": (("环保科技", "环境工程"), (), 0, 1.0, 1.0, 50, (("environment", 0.95),), False),
    "O80": (("家政服务", "洗涤服务"), ("理发店", "美容店", "洗衣店", "家政服务部"), 12, 1.5, 0.2, 10,
            (("fashion", 0.2),), False),
    "O81": (("汽车服务", "维修服务"), ("汽车修理部", "家电维修部", "手机维修店"), 5, 1.0, 0.2, 15, (), False),
    "P83": (("教育科技", "培训"), ("培训部",), 0.5, 1.5, 0.3, 20, (("culture", 0.3),), False),
    "Q84": (("医疗管理", "健康管理"), ("诊所", "中医诊所", "推拿馆"), 1.5, 1.0, 0.5, 25, (("health", 0.95),), False),
    "R87": (("影视文化", "文化传播"), (), 0, 1.0, 0.5, 40, (("culture", 0.95),), False),
    "R88": (("文化艺术", "艺术"), ("画室", "琴行"), 1, 1.0, 0.2, 25, (("culture", 0.9),), False),
    "R90": (("文化娱乐", "体育文化"), ("棋牌室", "健身房"), 1.5, 0.6, 0.2, 20, (("tourism", 0.5),), False),
}

LEGAL_FORMS = {  # by stage: (form, weight)
    "enterprise": (("有限责任公司", 88), ("个人独资企业", 8), ("合伙企业", 4)),
    "above_scale": (("有限责任公司", 97), ("个人独资企业", 2), ("合伙企业", 1)),
}
USCC_PREFIX = {"个体工商户": "92", "农民专业合作社": "93"}  # everything else: 91 (企业)

# 字号 characters: two of them make a trade name (鑫达, 恒瑞, ...).
BRAND_CHARS = (
    "华鑫达恒瑞泰信诚兴盛和宏远博创联新源嘉通润丰安康力禾鼎晟睿智云天正宇海金明光德景弘立凯腾悦欣佳"
    "美优卓越领航星辰启亿万中东方江湖钱良品艺尚青山骏峰锦绣祥福聚合汇荣昌顺永乐升晨铭晶茂隆旭浩"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏沈钟汪"

# Boards for 股上市 cases: (code, weight). Hangzhou's recent listings favour 创业板, 科创板 and 北交所.
FULL_PATH_BOARDS = (("sse_main", 2), ("szse_main", 2), ("star", 3), ("chinext", 3), ("bse", 2))
SKIP_BOARDS = (("neeq", 6), ("hkex", 2), ("overseas", 1))

# Case mix: share of the demo cases per kind, and the scenarios (target states) with weights. The first
# pass gives every scenario one case, so every state of every workflow is present even at small N.
CASE_SHARES = {"ind_to_ent": 0.35, "small_to_scale": 0.35, "scale_to_stock": 0.15, "stock_to_listed": 0.15}
SCENARIOS = {
    "ind_to_ent": (("identified", 20), ("intent", 25), ("registering", 15), ("registering_returned", 5),
                   ("completed", 15), ("completed_new_code", 5), ("abandoned", 10)),
    "small_to_scale": (("identified", 20), ("cultivating", 30), ("declared", 12), ("declared_returned", 4),
                       ("completed", 20), ("abandoned", 10)),
    "scale_to_stock": (("identified", 10), ("intent", 20), ("intermediaries", 20), ("audit_valuation", 15),
                       ("founding_meeting", 10), ("completed", 15), ("abandoned", 10)),
    "stock_to_listed": (("reserve", 35), ("tutoring", 20), ("filed", 8), ("filed_skip", 7), ("registered", 8),
                        ("completed", 6), ("completed_skip", 6), ("terminated", 10)),
}
KEY_SHARE = 0.4  # of 股上市 cases designated 市级重点拟上市 (the plan: 120 key of 300 上市后备)

COMMENTS = {
    "open": "经摸排纳入升级跟踪",
    "confirm_intent": "走访企业，负责人确认有意向",
    "submit_registration": "已向登记机关提交申请材料",
    "complete": "登记办结",
    "start_cultivation": "列入小升规培育名单，落实联系人",
    "declare": "营业收入已达统计标准，提交升规申报",
    "approve": "经统计部门核实，同意纳入规上",
    "engage_intermediaries": "已与券商、会计师事务所、律师事务所签约",
    "start_audit": "审计评估基准日已确定",
    "hold_meeting": "股份公司成立大会已召开",
    "file_tutoring": "已在浙江证监局辅导备案",
    "file_application": "申报材料已获受理",
    "register": "已获注册批复",
    "list": "股票已挂牌/上市交易",
    "designate_key": "列入市级重点拟上市企业名单",
}
REASONS = {
    "return": ("材料不齐，请补充后重新提交", "章程与登记信息不一致，退回补正", "营业收入口径需与税务数据核对"),
    "abandon": ("企业经营者暂无转型意愿", "经营困难，暂缓推进", "企业迁出本区，终止跟踪"),
    "terminate": ("企业主动撤回申报", "市场环境变化，暂停上市计划", "审核未通过"),
}
JUSTIFICATION = "该行业无规上统计标准，经走访核实企业经营规模已达同类规上企业水平"
