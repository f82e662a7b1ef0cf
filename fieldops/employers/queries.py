from functools import cache

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from fieldops.core.expressions import LIKE_ESCAPE, escape_like
from fieldops.core.paging import page_number, page_of
from fieldops.core.rows import columns_of, first_instance_of, planned_for_their_values, scalar_of
from fieldops.employers.models import Employer
from fieldops.org.models import OrgUnit
from fieldops.org.scope import AREA, MAX_ID, area_of, get_or_404, in_area
from fieldops.textfold import fold


# A search reads at most this many words of what was typed.
MOST_WORDS = 8


def _patterns(q: str) -> list[str]:
    """The LIKE pattern of each word of `q`, accents ignored."""
    return [f"%{escape_like(word)}%" for word in fold(q).split()[:MOST_WORDS]]


def word_parameters(q: str) -> dict:
    """The parameters `matching_words` takes: each word of `q` (the first MOST_WORDS) as a LIKE pattern."""
    return {f"word_{n}": pattern for n, pattern in enumerate(_patterns(q))}


def matching_words(words: int, employer=Employer) -> list:
    """The conditions that the employer's (or an alias's) name or codes contain every
    one of `words` words given when the statement runs (`word_parameters`), accents ignored."""
    return [employer.search_text.like(sa.bindparam(f"word_{n}"), escape=LIKE_ESCAPE) for n in range(words)]


# A search counts its matches this far past the page shown, no further: a word common
# in a district of 18,000 employers ("thuong mai") matches thousands, and counting them
# all read the district's whole index on every page (10 ms); past that, "more than".
COUNT_AHEAD = 200


# The employers a search matches, found in the district and name index alone
# (ix_employer_district_name holds the folded text): each row is then read by its
# id for the page's twenty only. Matched on the rows themselves, a rare word in a
# district of 18,000 employers read all their rows to find none (16 ms of plan and
# run, against 6 ms on the index).
_matched = aliased(Employer, name="matched")


@cache
def _search(words: int, one_district: bool):
    """A search of `words` words: the rows of what a result shows (rows, not
    employers: visits/queries.py says why) in name order, and the count of the
    matches up to `most` (read from the employer index alone, without the rows'
    district). Built once: the area and the words are parameters (building them
    on each search cost more than the count ran). In `one_district`'s area the
    district's code is a parameter: joined to the units, PostgreSQL spent twice
    as long planning the page's statement (0.35 against 0.19 ms)."""
    code = sa.bindparam("district_code", type_=sa.String()) if one_district else OrgUnit.code
    rows = (sa.select(Employer.id, Employer.name, Employer.unit_code, Employer.tax_code, Employer.address,
                      code.label("district_code"))
            .select_from(_matched)
            .join(Employer, Employer.id == _matched.id))
    if not one_district:
        rows = rows.join(OrgUnit, OrgUnit.id == Employer.district_id)
    rows = rows.where(in_area(_matched.district_id), *matching_words(words, _matched)).order_by(_matched.name,
                                                                                               _matched.id)
    first = (sa.select(sa.literal(1)).select_from(Employer)
             .where(in_area(Employer.district_id), *matching_words(words)).limit(sa.bindparam("most")))
    return rows, sa.select(sa.func.count()).select_from(first.subquery())


def _search_parameters(user, q: str) -> tuple[dict, int]:
    words = word_parameters(q)
    return area_of(user) | words, len(words)


def search_page(user, q: str):
    """The page of the search asked for (?page=)."""
    parameters, words = _search_parameters(user, q)
    if words:
        planned_for_their_values()  # how many a word matches decides the plan
    # A district's own users search its employers alone: its code is known.
    one_district = parameters[AREA] == [user.org_unit.id]
    if one_district:
        parameters["district_code"] = user.org_unit.code
    most = page_number() * current_app.config["PAGE_SIZE"] + COUNT_AHEAD
    rows, counted = _search(words, one_district)
    return page_of(rows, rows=True, params=parameters, most=most,
                   total=lambda: scalar_of(counted, parameters | {"most": most + 1}))


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
        found = first_instance_of(model, _by_employers_district(model), {"ident": ident} | area_of(user))
        if found is not None:
            return found
    return get_or_404(model, ident, user)


@cache
def _by_employers_district(model):
    """A visit or follow-up by its id, in the area by its employer's district now: built
    once (a visit's page is opened after every submit from a tablet's outbox); read as
    columns and made into the session's object, as `get_or_404` does."""
    return (sa.select(*columns_of(model)).join(Employer, Employer.id == model.employer_id)
            .where(model.id == sa.bindparam("ident"), in_area(Employer.district_id)))
