"""The upload form (POST, with a CSRF token). The file's content is the engine's to judge; the form only
checks what can be seen without reading it: a kind, a file, an extension the readers know (the readers'
own table, `workflows.importing.readers.EXTENSIONS`; the engine then judges the content, whatever the name)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, ValidationError
from wtforms.fields.choices import SelectChoice

from workflows.importing.readers import EXTENSIONS as READABLE

# The upload page's names for the engine's three import kinds (models.enums.ImportKind).
KIND_LABELS = {"firms": "企业登记信息", "indicators": "年度指标", "status": "状态变更"}
UNIT_LABELS = {"wan": "万元", "yuan": "元"}
# What the page offers: the readers' formats under their usual names (.xlsm and tab-separated .txt only from
# the command line, as before).
EXTENSIONS = tuple(e for e in READABLE if e in (".xlsx", ".xls", ".ods", ".csv"))
ACCEPT = ",".join(EXTENSIONS)  # the file input's accept= attribute


def allowed_extension(form, field) -> None:
    name = (getattr(field.data, "filename", "") or "").lower()
    if not name.endswith(EXTENSIONS):
        raise ValidationError("只接受 .xlsx（Excel 工作簿）、.xls、.ods（WPS/LibreOffice 表格）或 .csv 文件；"
                              "其他格式请另存为Excel工作簿（.xlsx）后再上传")


class UploadForm(FlaskForm):
    # validate_choice=False: the validators below say what is wrong in Chinese, not WTForms' English.
    kind = RadioField("导入类型", choices=[SelectChoice(*c) for c in KIND_LABELS.items()], default="firms", validate_choice=False)
    file = FileField("文件", validators=[FileRequired("请选择要导入的文件"), allowed_extension])
    unit = RadioField("金额单位", choices=[SelectChoice(*c) for c in UNIT_LABELS.items()], default="wan", validate_choice=False)
    partial = BooleanField("仅导入无误的行", description="有错误的行不导入并列入报告，其余照常写入（有“警告”的行经核实后也写入）；"
                                                   "不勾选时，只要有一行有误或有警告，整份文件都不写入")
    dry_run = BooleanField("试运行", description="只检查并出报告，不写入任何数据")

    def validate_kind(self, field) -> None:
        if field.data not in KIND_LABELS:
            raise ValidationError("请选择导入类型")

    def validate_unit(self, field) -> None:
        if field.data not in UNIT_LABELS:
            raise ValidationError("请选择金额单位")
