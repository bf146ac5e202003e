from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from models.enums import ROLE_LABELS

PASSWORD_HINT = "至少10个字符，不能包含用户名，不能是常见密码"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])
    remember = BooleanField("记住我")


class ChangePasswordForm(FlaskForm):
    """The rule itself (`workflows.passwords`) is checked by the workflow; the form only asks twice."""
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码")], description=PASSWORD_HINT)
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new_password", "两次输入的新密码不一致")])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码")], description=PASSWORD_HINT)
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new_password", "两次输入的新密码不一致")])


class CreateUserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    display_name = StringField("显示名称", validators=[Optional(), Length(max=40)])
    role = SelectField("角色", choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
    district = SelectField("所属区县（区县工作人员）", choices=[], validate_choice=False)
    password = PasswordField("初始密码", validators=[DataRequired("请输入密码")], description=PASSWORD_HINT)
    confirm = PasswordField("再次输入密码", validators=[EqualTo("password", "两次输入的密码不一致")])
