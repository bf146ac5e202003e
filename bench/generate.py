"""Deterministic bench files: N firm rows and 3·N indicator rows (2023–2025), as CSV in UTF-8.

The rows look like what the registration and statistics systems send (valid USCCs in random order,
Chinese names, all 13 districts by code or name, a mix of 组织形式, optional columns partly blank), so the
import does its real work on them. The same seed always gives the same bytes.

    python -m bench.generate --firms 1000000 --out bench/data
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from pathlib import Path

from workflows.rules.uscc import CHARSET, make_uscc

FIRM_HEADER = ("统一社会信用代码", "企业名称", "组织形式", "所属区县", "行业代码", "成立日期", "登记状态",
               "八大万亿产业", "经营异常", "严重违法", "科技型中小企业", "高新技术企业")
INDICATOR_HEADER = ("统一社会信用代码", "年度", "营业收入（万元）", "纳税总额（万元）", "利润总额（万元）", "从业人员",
                    "研发费用（万元）", "研发人员", "资产总额（万元）", "出口额（万元）")  # money headers name their unit
DISTRICTS = (("330102", "上城区"), ("330105", "拱墅区"), ("330106", "西湖区"), ("330108", "滨江区"),
             ("330109", "萧山区"), ("330110", "余杭区"), ("330111", "富阳区"), ("330112", "临安区"),
             ("330113", "临平区"), ("330114", "钱塘区"), ("330122", "桐庐县"), ("330127", "淳安县"),
             ("330182", "建德市"))
FORMS = ("有限责任公司",) * 7 + ("个人独资企业", "合伙企业", "股份有限公司", "个体工商户", "农民专业合作社")
INDUSTRIES = ("C39", "C34", "C38", "C26", "C18", "I65", "I64", "F51", "F52", "H62", "H61", "M73", "M75",
              "L72", "E48", "K70", "G54", "O80", "R86", "A01")
WORDS = ("华", "信", "达", "恒", "通", "瑞", "远", "博", "泰", "安", "创", "科", "盛", "源", "汇", "德", "宏", "嘉")
TRADES = ("科技", "贸易", "制造", "电子", "网络", "服务", "建设", "文化", "医药", "机械")
TAGS = ("", "", "", "信息经济", "高端装备制造", "健康", "时尚、文化创意")
YEARS = (2023, 2024, 2025)
MULTIPLIER = 387_420_489  # coprime with 31**8: scatters the USCCs so they do not arrive in index order


def _body(i: int) -> str:
    n = (i * MULTIPLIER + 12_345) % 31 ** 8
    chars = []
    for _ in range(8):
        n, digit = divmod(n, 31)
        chars.append(CHARSET[digit])
    return "".join(chars)


def write_firms(path: Path, n: int, seed: int = 2021) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(FIRM_HEADER)
        for i in range(n):
            code, name = DISTRICTS[i % 13]
            district = name if rng.random() < 0.3 else code
            firm = f"杭州{''.join(rng.choices(WORDS, k=2))}{rng.choice(TRADES)}{i}有限公司"
            born = f"{rng.randint(2000, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            flags = [rng.choice(("否", "否", "否", "是", "")) for _ in range(4)]
            out.writerow((make_uscc("91", code, _body(i)), firm, rng.choice(FORMS), district,
                          rng.choice(INDUSTRIES), born, "存续" if rng.random() < 0.97 else "注销",
                          rng.choice(TAGS), *flags))


def write_indicators(path: Path, n: int, seed: int = 2022) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(INDICATOR_HEADER)
        for i in range(n):
            code = make_uscc("91", DISTRICTS[i % 13][0], _body(i))
            # Heavy-tailed like a real register: median revenue ≈ 150万元, about 6 % over 1,600万元 (so the
            # checks flag what they would in Hangzhou, not half the city); staff in step with revenue.
            base = math.exp(rng.gauss(5.0, 1.5))
            staff = max(1, round(base / rng.uniform(20, 60)))
            for year in YEARS:
                revenue = base * (1 + 0.1 * (year - 2023))
                out.writerow((code, year, f"{revenue:.2f}", f"{revenue * 0.05:.2f}", f"{revenue * rng.uniform(-0.1, 0.2):.2f}",
                              staff, f"{revenue * 0.03:.2f}", staff // 10, f"{revenue * 1.5:.2f}",
                              "" if rng.random() < 0.7 else f"{revenue * 0.2:.2f}"))


def files_for(n: int, directory: Path) -> tuple[Path, Path]:
    """The two files for n firms, generated once and reused (they are deterministic)."""
    directory.mkdir(parents=True, exist_ok=True)
    # v2: the heavy-tailed revenues; a cached file of the old uniform ones is not reused.
    firms, indicators = directory / f"firms-{n}.csv", directory / f"indicators-v2-{3 * n}.csv"
    if not firms.exists():
        write_firms(firms.with_suffix(".tmp"), n)
        firms.with_suffix(".tmp").rename(firms)
    if not indicators.exists():
        write_indicators(indicators.with_suffix(".tmp"), n)
        indicators.with_suffix(".tmp").rename(indicators)
    return firms, indicators


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/data"))
    args = parser.parse_args()
    for path in files_for(args.firms, args.out):
        print(path)


if __name__ == "__main__":
    main()
