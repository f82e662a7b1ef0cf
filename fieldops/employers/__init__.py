"""Employers and their labour departments: the pages, the import, the search."""
from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/employers")
