from flask import current_app, request

from fieldops.extensions import db


def page_of(stmt):
    """One page of `stmt`, the page number read from ?page= (bad values mean page 1)."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    return db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
