"""The password rule, alone: what guessing tries first is refused, a sound passphrase is not."""

import pytest

from workflows.passwords import MIN_LENGTH, common_passwords, password_problem


@pytest.mark.parametrize("password,username,problem", [
    ("12345678", "wang", "至少10个字符"),
    ("password", "wang", "至少10个字符"),
    (" " * 12, "wang", "不能为空或全是空格"),
    ("\t \n" * 4, "wang", "不能为空或全是空格"),
    ("", "wang", "不能为空或全是空格"),
    ("1q2w3e4r5t", "wang", "过于常见"),
    ("PASSWORD12", "wang", "过于常见"),
    ("wangwei-2026", "WangWei", "不能包含用户名"),
    ("x" * 129, "wang", "最多128个字符"),
])
def test_refused(password, username, problem):
    assert problem in password_problem(password, username)


@pytest.mark.parametrize("password", ["tulip-harbor-93", "西湖边的小微企业培育库", "correct horse battery"])
def test_accepted(password):
    assert password_problem(password, "wang") is None


def test_the_blocklist_is_shipped_and_only_holds_what_the_length_rule_lets_through():
    words = common_passwords()
    assert len(words) > 1000
    assert all(len(word) >= MIN_LENGTH for word in words)
    assert "qwertyuiop" in words and all(word == word.lower() for word in words)
