"""Does decoded text read as Vietnamese (or plain ASCII)?

Used on CSV files that are not UTF-8 and were decoded as Windows-1258: a file
that was really Windows-1252 (or anything else) still decodes, but into
characters that no Vietnamese word is spelt with ("São" becomes "Săo", "così"
becomes "cosś"). Every word holding a non-ASCII letter must be a well-formed
Vietnamese syllable; ASCII words (codes, English, abbreviations) pass as they are.
"""
import re
import unicodedata

# The five tone marks; the vowel marks (breve, circumflex, horn) stay on the letter.
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

_INITIALS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
_NUCLEI = (
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi",
    "ơi", "oo", "ôô", "ua", "uâ", "uê", "ui", "uô", "uơ", "ưa", "ưi", "ươ", "ưu", "uy", "yê",
    "uya", "uyê", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uôi", "ươi", "ươu", "uây", "uyu", "uêu",
)
_FINALS = ("ch", "nh", "ng", "c", "m", "n", "p", "t")


def _alternation(parts):
    return "|".join(sorted(parts, key=len, reverse=True))


_SYLLABLE = re.compile(
    f"(?:{_alternation(_INITIALS)})?(?:{_alternation(_NUCLEI)})(?:{_alternation(_FINALS)})?"
)
_WORD = re.compile(r"[^\W\d_]+")


def _toneless(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))


def plausible(text: str) -> bool:
    """True when `text` (already NFC) could have been typed by a Vietnamese user."""
    for ch in text:
        category = unicodedata.category(ch)
        if category.startswith("M"):  # a tone mark that composed with nothing
            return False
        if category == "Cc" and ch not in "\t\r\n":
            return False
    if text.isascii():
        return True
    for word in _WORD.findall(text):
        if not word.isascii() and not _SYLLABLE.fullmatch(_toneless(word)):
            return False
    return True
