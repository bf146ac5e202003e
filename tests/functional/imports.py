"""Helpers for the import page tests: CSV files built in the test, an upload through the form, the run it made.

The `uploads` fixture (tests/functional/conftest.py) points the upload directory at the test's tmp dir and
runs imports inline.
"""

import io
import re

from sqlalchemy import func, select

from models import Firm, ImportRun
from tests.factories import uscc

HEADER = "统一社会信用代码,企业名称,组织形式,所属区县,行业代码,成立日期,登记状态"


def firm_line(code=None, name="杭州示例科技有限公司", district="西湖区", date="2021-03-05", status="存续",
              form="有限责任公司"):
    return f"{code or uscc()},{name},{form},{district},I65,{date},{status}"


def csv_file(*lines, header=HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def upload(client, content: bytes, name="企业.csv", kind="firms", **options):
    data = {"kind": kind, "unit": options.pop("unit", "wan"), "file": (io.BytesIO(content), name)}
    data.update({key: "y" for key, on in options.items() if on})
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def run_of(session, response) -> ImportRun:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    run_id = int(re.fullmatch(r"/imports/(\d+)", response.headers["Location"]).group(1))
    session.expire_all()
    return session.get(ImportRun, run_id)


def firm_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Firm))


def no_runs(session) -> bool:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ImportRun)) == 0
