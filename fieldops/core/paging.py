from flask import current_app, request

from fieldops.extensions import db


def page_of(stmt):
    """One page of `stmt`, the page number read from ?page= (bad values mean page 1).
    All items are counted only when the page cannot tell: a page that is not
    full is the last one, so its position gives the total."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    pagination = db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False,
                             count=False)
    shown = len(pagination.items)
    if 0 < shown < pagination.per_page or (shown == 0 and pagination.page == 1):
        pagination.total = (pagination.page - 1) * pagination.per_page + shown
    else:
        pagination.total = pagination._query_count()  # Flask-SQLAlchemy's count of the statement
    return pagination
