"""Running test work in threads of their own, at once (PostgreSQL-only tests of
concurrent writers: each thread opens its own app context, so its own session
and connection)."""
import threading


def run_at_once(*targets):
    threads = [threading.Thread(target=t) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
