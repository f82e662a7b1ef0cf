"""argon2id password hashes; parameters come from the app config."""
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
