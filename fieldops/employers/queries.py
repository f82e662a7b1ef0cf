import sqlalchemy as sa

from fieldops.employers.models import Employer
from fieldops.org.scope import scoped
from fieldops.textfold import fold


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_employers(user, q: str):
    """Employers in scope whose name or codes contain every word of `q`, accents ignored."""
    stmt = scoped(Employer, user).order_by(Employer.name, Employer.id)
    for word in fold(q).split()[:8]:
        stmt = stmt.where(Employer.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return stmt


def unit_code_taken(unit_code: str, exclude_id=None) -> sa.Select:
    stmt = sa.select(Employer.id).where(Employer.unit_code == unit_code.strip().upper())
    if exclude_id is not None:
        stmt = stmt.where(Employer.id != exclude_id)
    return stmt
