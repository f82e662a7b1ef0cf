"""Visits to employers: the form, the officer's visits, the supervisor's review."""
from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")
