"""The yardstick: the same CSV rows put into the same tables by a plain driver `executemany`.

No checks, no staging, no diff, no audit: each row is read with `csv`, mapped to the table's columns with
the least conversion the database needs (a code for a district name, a boolean for 是/否, a firm id for
a USCC), and inserted in batches of 10,000 in one transaction. This is the fastest a naive loader could
go on this machine; the import is measured against it.

On PostgreSQL the rows go in by COPY, the driver's bulk path, in one stream. psycopg's `executemany` sends one
INSERT per row, and each fires the statement triggers that keep the firm tallies (migration 0012): 1,000,000
firms took 302 s that way on 2026-12-03, slower than the app's own import, which is no yardstick.

    python -m bench.raw firms|indicators PATH DATABASE_URL
"""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import datetime
from itertools import islice

from sqlalchemy import create_engine

BATCH = 10_000
DISTRICT_NAMES = {"上城区": "330102", "拱墅区": "330105", "西湖区": "330106", "滨江区": "330108", "萧山区": "330109",
                  "余杭区": "330110", "富阳区": "330111", "临安区": "330112", "临平区": "330113", "钱塘区": "330114",
                  "桐庐县": "330122", "淳安县": "330127", "建德市": "330182"}
STAGES = {"个体工商户": "individual", "股份有限公司": "joint_stock"}
STATUS = {"存续": "active", "注销": "deregistered", "吊销": "revoked", "迁出": "moved_out"}
TAGS = {"信息经济": "information", "高端装备制造": "equipment", "健康": "health", "时尚": "fashion", "文化创意": "culture"}
FIRM_SQL = ("INSERT INTO firms (uscc, name, legal_form, stage, district_code, industry, tags, registered_on, status,"
            " abnormal, serious_violation, tech_sme, high_tech, size_class, created_at, updated_at) VALUES ({})")
INDICATOR_SQL = ("INSERT INTO annual_indicators (firm_id, year, revenue, tax, profit, employees, rd_expense, rd_staff,"
                 " total_assets, export, updated_at) VALUES ({})")


def firm_rows(reader, now):
    for uscc, name, form, district, industry, born, status, tags, *flags in reader:
        codes = [TAGS[t] for t in tags.split("、") if t]
        yield (uscc, name, form, STAGES.get(form, "enterprise"), DISTRICT_NAMES.get(district, district), industry,
               json.dumps(sorted(codes)), born, STATUS[status], *(f == "是" for f in flags), "unknown", now, now)


def indicator_rows(reader, ids, now):
    for uscc, year, *figures in reader:
        yield (ids[uscc], int(year), *(f or None for f in figures), now)


def main(kind: str, path: str, url: str) -> None:
    from pool.db_events import install_sqlite_pragmas

    engine = create_engine(url)
    install_sqlite_pragmas(engine)  # the app's own settings (WAL, foreign keys): the same database either way
    now = datetime(2026, 11, 30, 2)
    started = time.monotonic()
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        mark = "%s" if engine.dialect.name == "postgresql" else "?"
        cursor = raw.cursor()
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            if kind == "firms":
                rows, sql = firm_rows(reader, now), FIRM_SQL.format(", ".join([mark] * 16))
            else:
                cursor.execute("SELECT uscc, id FROM firms")
                ids = dict(cursor.fetchall())
                rows, sql = indicator_rows(reader, ids, now), INDICATOR_SQL.format(", ".join([mark] * 11))
            count = 0
            if engine.dialect.name == "postgresql":  # COPY: the driver's bulk path (see the module's doc)
                with cursor.copy(sql.split(" VALUES")[0].replace("INSERT INTO", "COPY") + " FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            while batch := list(islice(rows, BATCH)):
                cursor.executemany(sql, batch)
                count += len(batch)
    print(json.dumps({"rows": count, "seconds": round(time.monotonic() - started, 2)}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
