import sqlalchemy as sa
from flask import current_app

from fieldops.core.paging import page_number, page_of
from fieldops.employers.models import Employer
from fieldops.extensions import db
from fieldops.org.models import OrgUnit
from fieldops.org.scope import MAX_ID, get_or_404, scoped
from fieldops.textfold import fold


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_employers(stmt, q: str):
    """`stmt` narrowed to the employers whose name or codes contain every word of
    `q`, accents ignored."""
    for word in fold(q).split()[:8]:
        stmt = stmt.where(Employer.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return stmt


def search_employers(user, q: str):
    """The matching employers in scope, in name order: rows of what a result shows
    (as rows, not employers: visits/queries.py says why)."""
    shown = (sa.select(Employer.id, Employer.name, Employer.unit_code, Employer.tax_code, Employer.address,
                       OrgUnit.code.label("district_code"))
             .join(OrgUnit, OrgUnit.id == Employer.district_id))
    return matching_employers(scoped(Employer, user, shown), q).order_by(Employer.name, Employer.id)


# A search counts its matches this far past the page shown, no further: a word common
# in a district of 18,000 employers ("thuong mai") matches thousands, and counting them
# all read the district's whole index on every page (10 ms); past that, "more than".
COUNT_AHEAD = 200


def count_employers(user, q: str, most: int) -> int:
    """How many match, up to `most` + 1: read from the employer index alone, without the rows' district."""
    matching = matching_employers(scoped(Employer, user, sa.select(sa.literal(1)).select_from(Employer)), q)
    return db.session.scalar(sa.select(sa.func.count()).select_from(matching.limit(most + 1).subquery()))


def search_page(user, q: str):
    """The page of the search asked for (?page=)."""
    most = page_number() * current_app.config["PAGE_SIZE"] + COUNT_AHEAD
    return page_of(search_employers(user, q), rows=True, total=lambda: count_employers(user, q, most), most=most)


def unit_code_taken(unit_code: str, exclude_id=None) -> sa.Select:
    stmt = sa.select(Employer.id).where(Employer.unit_code == unit_code.strip().upper())
    if exclude_id is not None:
        stmt = stmt.where(Employer.id != exclude_id)
    return stmt


def readable_or_404(model, ident, user):
    """A visit or follow-up to read: in the user's area by the district that held
    its employer when it was made (its `district_id`), or by the employer's
    district now: after a move the new district's staff read the open work made
    before it, while acting on it stays with the district it was made in
    (README, "When an employer moves"). Anything else answers 404."""
    if isinstance(ident, int) and 0 < ident <= MAX_ID:
        found = db.session.scalars(
            sa.select(model).join(Employer, Employer.id == model.employer_id)
            .where(model.id == ident, Employer.scope_clause(user.org_unit))).first()
        if found is not None:
            return found
    return get_or_404(model, ident, user)
