"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12

_hasher = PasswordHasher()


def check_strength(password: str) -> str | None:
    """A Chinese message saying what to fix, or None when the password is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符（当前 {len(password)} 个）"
    if password.strip() != password:
        return "密码首尾不能是空格"
    if len(set(password)) < 4:
        return "密码过于简单：请混合使用不同的字母、数字或符号"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(encoded: str, password: str) -> bool:
    try:
        return _hasher.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str) -> bool:
    return _hasher.check_needs_rehash(encoded)


# Verifying against this keeps the time of a login for an unknown user the same as
# for a known one, so timing does not tell which usernames exist.
DUMMY_HASH = _hasher.hash("not-a-real-password-0000")
