"""The password rule: the one place every path that sets a password asks (`flask users create`, the
password change page, an admin's create and reset).

What guessing tries first is refused: anything shorter than `MIN_LENGTH`, the common passwords of
`data/common_passwords.txt` (compared without case), the user's own login name or any password containing
it, and a password of nothing but whitespace (which the login form could never submit anyway). Length is
counted in characters, so a Chinese passphrase counts like any other.
"""

from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 128  # a hash of anything longer is no safer; a bound keeps a login cheap to check
BLOCKLIST = Path(__file__).with_name("data") / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = BLOCKLIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str | None, username: str = "") -> str | None:
    """Why `password` is refused for `username`, in Chinese, or None when it is acceptable."""
    password = password or ""
    if not password.strip():
        return "密码不能为空或全是空格"
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}个字符"
    if len(password) > MAX_LENGTH:
        return f"密码最多{MAX_LENGTH}个字符"
    name = (username or "").strip().lower()
    if name and name in password.lower():
        return "密码不能包含用户名"
    if password.strip().lower() in common_passwords():
        return "该密码过于常见，容易被猜中，请换一个"
    return None
