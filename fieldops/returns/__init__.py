"""Group returns: the districts' monthly returns of people reached outside employers."""
from flask import Blueprint

bp = Blueprint("returns", __name__, url_prefix="/returns")
