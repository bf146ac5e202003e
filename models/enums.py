"""Every status and code as a string enum: the values are what the API and the database carry."""

from enum import StrEnum


class SizeClass(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"
    UNKNOWN = "unknown"


class Role(StrEnum):
    ADMIN = "admin"
    CITY_STAFF = "city_staff"
    COUNTY_OFFICER = "county_officer"
    LEADER = "leader"


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.CITY_STAFF: "市局工作人员",
    Role.COUNTY_OFFICER: "区县工作人员",
    Role.LEADER: "领导",
}


class Stage(StrEnum):
    INDIVIDUAL = "individual"
    ENTERPRISE = "enterprise"
    ABOVE_SCALE = "above_scale"
    JOINT_STOCK = "joint_stock"
    LISTED = "listed"


STAGE_LABELS = {
    Stage.INDIVIDUAL: "个体工商户",
    Stage.ENTERPRISE: "企业(规下)",
    Stage.ABOVE_SCALE: "规上/限上企业",
    Stage.JOINT_STOCK: "股份有限公司",
    Stage.LISTED: "上市/挂牌公司",
}


class FirmStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    REVOKED = "revoked"
    MOVED_OUT = "moved_out"


STATUS_LABELS = {
    FirmStatus.ACTIVE: "存续",
    FirmStatus.DEREGISTERED: "注销",
    FirmStatus.REVOKED: "吊销",
    FirmStatus.MOVED_OUT: "迁出",
}


class CaseKind(StrEnum):
    IND_TO_ENT = "ind_to_ent"
    SMALL_TO_SCALE = "small_to_scale"
    SCALE_TO_STOCK = "scale_to_stock"
    STOCK_TO_LISTED = "stock_to_listed"


class Board(StrEnum):
    SSE_MAIN = "sse_main"
    SZSE_MAIN = "szse_main"
    STAR = "star"
    CHINEXT = "chinext"
    BSE = "bse"
    NEEQ = "neeq"
    HKEX = "hkex"
    OVERSEAS = "overseas"


BOARD_LABELS = {
    Board.SSE_MAIN: "沪主板",
    Board.SZSE_MAIN: "深主板",
    Board.STAR: "科创板",
    Board.CHINEXT: "创业板",
    Board.BSE: "北交所",
    Board.NEEQ: "新三板",
    Board.HKEX: "港股",
    Board.OVERSEAS: "境外",
}

# Boards whose path has no CSRC 辅导备案 / 注册 step: their cases may take the skip edges.
BOARDS_WITHOUT_TUTORING = frozenset({Board.NEEQ, Board.HKEX, Board.OVERSEAS})


class IndustryTag(StrEnum):
    """浙江八大万亿产业 (domain-facts §6.1), numbered as the provincial 小微企业 system does."""

    INFORMATION = "information"
    ENVIRONMENT = "environment"
    HEALTH = "health"
    TOURISM = "tourism"
    FASHION = "fashion"
    FINANCE = "finance"
    EQUIPMENT = "equipment"
    CULTURE = "culture"


TAG_LABELS = {
    IndustryTag.INFORMATION: "信息经济",
    IndustryTag.ENVIRONMENT: "环保",
    IndustryTag.HEALTH: "健康",
    IndustryTag.TOURISM: "旅游",
    IndustryTag.FASHION: "时尚",
    IndustryTag.FINANCE: "金融",
    IndustryTag.EQUIPMENT: "高端装备制造",
    IndustryTag.CULTURE: "文化创意",
}

SIZE_LABELS = {
    "large": "大型",
    "medium": "中型",
    "small": "小型",
    "micro": "微型",
    "unknown": "未划型",
}

# 组织形式 -> the ladder rung a newly registered firm starts on (DESIGN §8: derived at creation only).
LEGAL_FORM_STAGE = {
    "个体工商户": Stage.INDIVIDUAL,
    "有限责任公司": Stage.ENTERPRISE,
    "个人独资企业": Stage.ENTERPRISE,
    "合伙企业": Stage.ENTERPRISE,
    "农民专业合作社": Stage.ENTERPRISE,
    "股份有限公司": Stage.JOINT_STOCK,
}
LEGAL_FORMS = tuple(LEGAL_FORM_STAGE)


class PoolLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"


class CultivationType(StrEnum):
    """培育库类型 as the provincial 小微企业成长培育档案库 records it (domain-facts §7.2)."""

    STARTUP = "startup"
    GROWTH = "growth"
    LEADING = "leading"


CULTIVATION_LABELS = {
    CultivationType.STARTUP: "初创型",
    CultivationType.GROWTH: "成长型",
    CultivationType.LEADING: "领军型",
}


class EndReason(StrEnum):
    DEREGISTERED = "deregistered"
    MOVED_OUT = "moved_out"
    VIOLATION = "violation"
    INELIGIBLE = "ineligible"
    SCALED_UP = "scaled_up"
    OUTGREW_SMALL = "outgrew_small"


END_REASON_LABELS = {
    EndReason.DEREGISTERED: "注销/吊销",
    EndReason.MOVED_OUT: "迁出",
    EndReason.VIOLATION: "经营异常或严重违法",
    EndReason.INELIGIBLE: "不再符合入库条件",
    EndReason.SCALED_UP: "升规（毕业）",
    EndReason.OUTGREW_SMALL: "超出小微（毕业）",
}
REMOVE_REASONS = (EndReason.DEREGISTERED, EndReason.MOVED_OUT, EndReason.VIOLATION, EndReason.INELIGIBLE)
GRADUATE_REASONS = (EndReason.SCALED_UP, EndReason.OUTGREW_SMALL)


class ImportKind(StrEnum):
    FIRMS = "firms"
    INDICATORS = "indicators"
    STATUS = "status"


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # every row written (or unchanged)
    PARTIAL = "partial"  # --partial: valid rows written, the rest reported
    REFUSED = "refused"  # a bad row: nothing written, report produced
    FAILED = "failed"  # crashed or interrupted: nothing written


IMPORT_STATUS_LABELS = {
    ImportStatus.QUEUED: "排队中",
    ImportStatus.RUNNING: "导入中",
    ImportStatus.SUCCEEDED: "已完成",
    ImportStatus.PARTIAL: "部分导入",
    ImportStatus.REFUSED: "已拒绝（未写入）",
    ImportStatus.FAILED: "失败（未写入）",
}


class RunStatus(StrEnum):
    """A queued run of the scheduler process (a check run; imports keep their own richer statuses)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


RUN_STATUS_LABELS = {
    RunStatus.QUEUED: "排队中",
    RunStatus.RUNNING: "运行中",
    RunStatus.SUCCEEDED: "已完成",
    RunStatus.FAILED: "失败",
}


class RunTrigger(StrEnum):
    SCHEDULE = "schedule"
    USER = "user"
    CLI = "cli"


RUN_TRIGGER_LABELS = {RunTrigger.SCHEDULE: "定时", RunTrigger.USER: "手动", RunTrigger.CLI: "命令行"}


class FlagKind(StrEnum):
    """What a check says needs doing; each kind belongs to one check (workflows.checks.registry)."""

    IND_TO_ENT = "ind_to_ent"  # 个转企 candidate
    NEAR_SCALE = "near_scale"  # 小升规 临规 (>= 80 % of the sector's threshold)
    SCALE_READY = "scale_ready"  # 小升规 达标 (>= 100 %)
    SCALE_TO_STOCK = "scale_to_stock"  # 规改股 candidate
    LISTING_RESERVE = "listing_reserve"  # 上市后备 candidate
    REMOVAL = "removal"  # pool member that should leave the pool
    GRADUATION = "graduation"  # pool member that outgrew it
    OVERDUE_CASE = "overdue_case"  # a case longer in one state than the policy allows
    OVERDUE_NOMINATION = "overdue_nomination"  # a nomination waiting for review too long
    GROWTH_STAR = "growth_star"  # 成长之星 candidate of a campaign year (growth_star_screening)


FLAG_KIND_LABELS = {
    FlagKind.IND_TO_ENT: "个转企候选",
    FlagKind.NEAR_SCALE: "小升规临规",
    FlagKind.SCALE_READY: "小升规达标",
    FlagKind.SCALE_TO_STOCK: "规改股候选",
    FlagKind.LISTING_RESERVE: "上市后备候选",
    FlagKind.REMOVAL: "建议出库",
    FlagKind.GRADUATION: "建议毕业",
    FlagKind.OVERDUE_CASE: "案件超期",
    FlagKind.OVERDUE_NOMINATION: "推荐待审超期",
    FlagKind.GROWTH_STAR: "成长之星候选",
}


class FlagState(StrEnum):
    OPEN = "open"
    ACTED = "acted"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


FLAG_STATE_LABELS = {
    FlagState.OPEN: "待处理",
    FlagState.ACTED: "已处理",
    FlagState.DISMISSED: "已忽略",
    FlagState.RESOLVED: "已消除",
}


class LoginResult(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    LOGOUT = "logout"


LOGIN_RESULT_LABELS = {
    LoginResult.SUCCESS: "登录成功",
    LoginResult.FAILURE: "登录失败",
    LoginResult.LOGOUT: "退出登录",
}


class LoginReason(StrEnum):
    OK = "ok"
    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"
    INACTIVE = "inactive"
    LOGOUT = "logout"


LOGIN_REASON_LABELS = {
    LoginReason.OK: "—",
    LoginReason.UNKNOWN_USER: "用户名不存在",
    LoginReason.WRONG_PASSWORD: "密码错误",
    LoginReason.INACTIVE: "账号已停用",
    LoginReason.LOGOUT: "用户退出",
}
