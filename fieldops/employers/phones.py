"""Vietnamese phone numbers as people type them: "+84 912-345-678",
"0912.345.678", "(024) 3824 5678", "84912345678". Kept in one form, the
national one with its leading 0 ("0912345678"), so the Customer Care Center
dials and searches one thing."""
import re

_SEPARATORS = re.compile(r"[\s.\-()/]")
_NATIONAL = re.compile(r"^0\d{9,10}$")  # mobiles have 10 digits, landlines 11 (0 + area code + number)


def normalize_phone(text: str | None) -> str | None:
    """The number in its national form, "" for nothing typed, None when it is no phone number."""
    raw = (text or "").strip()
    if not raw:
        return ""
    if len(raw) > 30:
        return None
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if digits.startswith("00"):
        return None
    return digits if _NATIONAL.match(digits) else None
