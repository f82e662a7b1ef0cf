"""argon2id password hashes (parameters from the app config), and which passwords may be chosen."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    c = current_app.config
    return PasswordHasher(
        time_cost=c["ARGON2_TIME_COST"],
        memory_cost=c["ARGON2_MEMORY_COST"],
        parallelism=c["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hash = None


def burn_verify(password: str) -> None:
    """Spend the time of a real verification so unknown names cannot be told apart."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("not-a-real-password-at-all")
    verify_password(_dummy_hash, password)


# Passwords that guessing tries first: zxcvbn's list of the 30,000 most common
# ones (from leaked password sets), and what people here often choose.
_LOCAL_COMMON = ("matkhau", "matkhau123", "baohiemxahoi", "bhxh", "vssid", "fieldops", "vietnam", "hanoi",
                 "saigon", "anhyeuem", "iloveyou")
MIN_DISTINCT = 5


@cache
def _common() -> frozenset:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(_LOCAL_COMMON)


def _letters_and_digits(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def password_problem(password: str, username: str = "", full_name: str = ""):
    """Why `password` may not be chosen (a translatable message), or None.
    Its length is checked by the form; this checks what length does not."""
    from fieldops.core.translations import lazy_gettext as _l

    folded = _letters_and_digits(password)
    if len(set(password.lower())) < MIN_DISTINCT:
        return _l("This password repeats too few characters; choose one that is harder to guess.")
    core = folded.rstrip("0123456789") or folded
    if password.lower() in _common() or folded in _common() or core in _common():
        return _l("This password is among the most common ones and is tried first by attackers; choose another.")
    names = [_letters_and_digits(username)] + [_letters_and_digits(p) for p in (full_name or "").split()]
    if any(len(name) >= 3 and name in folded for name in names):
        return _l("The password must not contain your user name or your name.")
    return None
