"""The demo accounts' shared password."""
from flask import current_app

from fieldops.auth.passwords import hash_password

DEMO_PASSWORD = "fieldops-demo-2023"
_demo_hashes = {}


def demo_password_hash() -> str:
    """One argon2id hash of the demo password for every demo account: hashing it
    per account would spend most of the demo load on deliberately slow hashing."""
    cost = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if cost not in _demo_hashes:
        _demo_hashes[cost] = hash_password(DEMO_PASSWORD)
    return _demo_hashes[cost]
