"""The administrators' pages over the org tree, above auth (they check roles and count users).

The blueprint keeps the name "org" its endpoints had (org.units, org.edit)."""
from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/admin/units")
