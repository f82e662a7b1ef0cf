"""The verification pages a printed code leads to, open to anyone holding the
paper: a form to type a code, and what a code resolves to. Without signing in
(or outside the dossier's area) only what the paper prints and whether today's
records still agree, award by award; signed in within its area, the detail.

A code that resolves to nothing gets the same answer whatever it looks like,
and wrong codes are counted per address in the database: past
VERIFY_FAILURE_LIMIT in VERIFY_FAILURE_WINDOW every code is refused (429) until
the window has passed, as sign-in is throttled."""
import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from fieldops.audit.operations import client_address
from fieldops.auth.access import public
from fieldops.extensions import db
from fieldops.reviews import bp
from fieldops.reviews import dossier as dossiers
from fieldops.reviews.models import Dossier
from fieldops.reviews.paper import count_wrong, guessing
from fieldops.reviews.verification import compare, public_view

# What a typed code may be before it is looked at: a code is 10 characters; dashes and spaces are dropped.
TYPED_MAX = 64


def _refused(status, typed=""):
    return render_template("reviews/verify_form.html", status=status, typed=typed[:TYPED_MAX]), status


@bp.get("/verify")
@public
def verify_form():
    typed = request.args.get("code")
    if typed is None:
        return render_template("reviews/verify_form.html", status=200, typed="")
    return redirect(url_for("reviews.verify", code=dossiers.normalise_code(typed) or "-"))


@bp.get("/verify/<path:code>")
@public
def verify(code):
    address = client_address()
    if guessing(address):
        return _refused(429)
    wanted = dossiers.normalise_code(code[:TYPED_MAX])
    # Looked up whatever the code looks like, so a malformed one takes as long as an unknown one.
    found = db.session.scalars(sa.select(Dossier).where(Dossier.verification_code == wanted)).first()
    if found is None:
        count_wrong(address)
        db.session.commit()
        return _refused(404, code)
    check = compare(found)
    mine = current_user.is_authenticated and db.session.scalar(
        sa.select(Dossier.id).where(Dossier.id == found.id, Dossier.scope_clause(current_user.org_unit))) is not None
    if mine:
        return render_template("reviews/verify.html", dossier=found, snapshot=found.snapshot, check=check)
    return render_template("reviews/verify_public.html", view=public_view(found, check))
