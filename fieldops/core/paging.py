from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from fieldops.extensions import db


class RowPagination(SelectPagination):
    """A page of plain rows (a select of columns), where Flask-SQLAlchemy's pages
    hold one entity per row."""

    def _query_items(self):
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return self._query_args["session"].execute(select).all()


def page_of(stmt, rows=False):
    """One page of `stmt`, the page number read from ?page= (bad values mean page 1);
    `rows`: its items are the statement's rows, not entities.
    All items are counted only when the page cannot tell: a page that is not
    full is the last one, so its position gives the total."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    pagination = (RowPagination if rows else SelectPagination)(
        select=stmt, session=db.session(), page=page, per_page=current_app.config["PAGE_SIZE"],
        max_per_page=None, error_out=False, count=False)
    shown = len(pagination.items)
    if 0 < shown < pagination.per_page or (shown == 0 and pagination.page == 1):
        pagination.total = (pagination.page - 1) * pagination.per_page + shown
    else:
        pagination.total = pagination._query_count()  # Flask-SQLAlchemy's count of the statement
    return pagination
