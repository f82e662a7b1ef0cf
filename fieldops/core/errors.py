"""Errors: the pages of HTTP errors, and the one error class of the features'
operations with the page a refused operation answers with."""
from flask import abort, flash, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldops.core.translations import gettext as _
from fieldops.extensions import db


class OperationError(Exception):
    """Why a feature's operation refused a change; nothing was changed. `field`:
    the form field its message belongs beside, if any. A feature's error lists
    its conflicts (409) and says what each reason means (`messages()`, and
    `otherwise()` for a reason it does not list); a denial is 403, anything
    else 422 (the input)."""

    CONFLICTS = frozenset()
    DENIALS = frozenset({"not_allowed"})

    def __init__(self, reason, field=None):
        super().__init__(reason)
        self.reason, self.field = reason, field

    @property
    def status(self) -> int:
        return 403 if self.reason in self.DENIALS else 409 if self.reason in self.CONFLICTS else 422

    def messages(self) -> dict:
        return {}

    def otherwise(self) -> str:
        return _("This cannot be done.")

    @property
    def message(self) -> str:
        return self.messages().get(self.reason) or self.otherwise()


def act_on(record, form, form_name, action, done_message, *, render, url):
    """A form posted on one record's page: validate `form`, run `action(form)` (one
    operation), commit, and go to `url` saying `done_message`. Refused, the page
    again (`render(record, status, error=None, **forms)`) with the record as it now
    is and the message beside its field, or above the forms."""
    if not form.validate():
        return render(record, 422, **{form_name: form})
    try:
        action(form)
        db.session.commit()
    except OperationError as error:
        db.session.rollback()
        db.session.refresh(record)
        target = getattr(form, error.field, None) if error.field else None
        if target is None:
            return render(record, error.status, error=error.message, **{form_name: form})
        target.errors = list(target.errors) + [error.message]
        return render(record, error.status, **{form_name: form})
    flash(done_message, "success")
    return redirect(url)


def _messages():
    return {
        400: _("The request could not be understood."),
        403: _("You do not have permission to open this page."),
        404: _("The page or record you asked for does not exist, or is outside your area."),
        405: _("This action is not allowed here."),
        409: _("The request conflicts with the current state of the record."),
        413: _("The file is too large."),
        500: _("Something went wrong on our side. The error has been logged; please try again."),
    }


def register(app):
    @app.before_request
    def refuse_nul_in_the_address():
        # No one types a NUL character and PostgreSQL refuses it in text: a search or
        # filter carrying one is not understood, not a server error. (Form fields
        # carrying one are refused beside the field: fieldops/core/forms.py.)
        if any("\x00" in value for values in request.args.listvalues() for value in values):
            abort(400)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("Your form has expired or was not sent from this site. Reload the page and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        code = error.code or 500
        message = _messages().get(code, error.description)
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def server_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_template("errors/error.html", code=500, message=_messages()[500]), 500
