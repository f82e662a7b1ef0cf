import weakref

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
import sqlalchemy as sa
from sqlalchemy import orm

from fieldops.core.expressions import inline
from fieldops.core.numbers import whole_number
from fieldops.core.rows import rows_of
from fieldops.extensions import db

# {a select: {(per page, offset): its page}}: the pages of a select built once are
# made once; those of a select built for one request go with it.
_PAGES = weakref.WeakKeyDictionary()
# The pages remembered per select; then they are forgotten and made again.
KEPT_PAGES = 100


def _page_statement(select, per_page: int, offset: int):
    """`select` limited to one page. A copy is keyed anew when it runs (0.15 ms of
    CPU for the review queue's cards): a statement built once keeps its pages."""
    pages = _PAGES.get(select)
    if pages is None:
        pages = _PAGES[select] = {}
    page = pages.get((per_page, offset))
    if page is None:
        if len(pages) >= KEPT_PAGES:
            pages.clear()
        page = pages[(per_page, offset)] = select.limit(inline(per_page)).offset(inline(offset))
    return page


class Page(SelectPagination):
    """Flask-SQLAlchemy's page of a select, whose limit and offset are written into
    the SQL: with them bound, PostgreSQL cannot plan a page's statement once for
    all views (its generic plan would not know how many rows are wanted). The
    select's parameters are given apart (`params`), so that a select built once
    stays the same object, with its pages."""

    def _query_items(self):
        args = self._query_args
        select = _page_statement(args["select"], self.per_page, self._query_offset)
        if args["rows"]:
            # A tuple: a page of rows can be a key (core/templating.py, remembered).
            return tuple(rows_of(select, args["params"]))
        return args["session"].execute(select, args["params"]).unique().scalars().all()

    def _query_count(self):
        args = self._query_args
        counted = args["select"].options(orm.lazyload("*")).order_by(None).subquery()
        return args["session"].scalar(sa.select(sa.func.count()).select_from(counted), args["params"])


def page_number() -> int:
    """The page asked for (?page=); bad values mean page 1."""
    return whole_number(request.args.get("page"), digits=6) or 1


def page_of(stmt, rows=False, total=None, most=None, params=None):
    """One page of `stmt`, the page number read from ?page= (bad values mean page 1).
    `rows`: its items are the statement's rows (a select of columns), not entities.
    `params`: the statement's parameters (a statement built once takes its values so).
    All items are counted only when the page cannot tell (a page that is not full
    is the last one, so its position gives the total), by `total()` if given (or
    `total` itself, a count already made).
    `most`: `total()` counts no further than that many and one; a count that gets
    there is shown as "more than" (`more_than` on the page), with no last page."""
    page = page_number()
    pagination = Page(select=stmt, rows=rows, params=params or {}, session=db.session(), page=page,
                      per_page=current_app.config["PAGE_SIZE"], max_per_page=None, error_out=False, count=False)
    shown = len(pagination.items)
    pagination.more_than = False
    if 0 < shown < pagination.per_page or (shown == 0 and pagination.page == 1):
        pagination.total = (pagination.page - 1) * pagination.per_page + shown
    else:
        if total is None:
            pagination.total = pagination._query_count()  # Flask-SQLAlchemy's count
        else:
            pagination.total = total() if callable(total) else total
        if most is not None and pagination.total > most:
            pagination.total, pagination.more_than = most, True
    return pagination
