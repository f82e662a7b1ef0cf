from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Only same-site paths may be redirected to after sign-in or a language switch."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    # A control character (CR/LF above all) cannot go into a Location header.
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
