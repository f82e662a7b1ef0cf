from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from fieldops.core.expressions import inline
from fieldops.core.numbers import whole_number
from fieldops.core.rows import rows_of
from fieldops.extensions import db


class Page(SelectPagination):
    """Flask-SQLAlchemy's page of a select, whose limit and offset are written into
    the SQL: with them bound, PostgreSQL cannot plan a page's statement once for
    all views (its generic plan would not know how many rows are wanted)."""

    def _query_items(self):
        args = self._query_args
        select = args["select"].limit(inline(self.per_page)).offset(inline(self._query_offset))
        if args["rows"]:
            return rows_of(select)
        return args["session"].execute(select).unique().scalars().all()


def page_number() -> int:
    """The page asked for (?page=); bad values mean page 1."""
    return whole_number(request.args.get("page"), digits=6) or 1


def page_of(stmt, rows=False, total=None, most=None):
    """One page of `stmt`, the page number read from ?page= (bad values mean page 1).
    `rows`: its items are the statement's rows (a select of columns), not entities.
    All items are counted only when the page cannot tell (a page that is not full
    is the last one, so its position gives the total), by `total()` if given.
    `most`: `total()` counts no further than that many and one; a count that gets
    there is shown as "more than" (`more_than` on the page), with no last page."""
    page = page_number()
    pagination = Page(select=stmt, rows=rows, session=db.session(), page=page,
                      per_page=current_app.config["PAGE_SIZE"], max_per_page=None, error_out=False, count=False)
    shown = len(pagination.items)
    pagination.more_than = False
    if 0 < shown < pagination.per_page or (shown == 0 and pagination.page == 1):
        pagination.total = (pagination.page - 1) * pagination.per_page + shown
    else:
        pagination.total = total() if total else pagination._query_count()  # Flask-SQLAlchemy's count
        if most is not None and pagination.total > most:
            pagination.total, pagination.more_than = most, True
    return pagination
