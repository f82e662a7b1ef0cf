from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
        from fieldops.extensions import db

        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_template("errors/error.html", code=500, message=_messages()[500]), 500
