"""Progress monitoring: dashboards, targets, exports, the printed report."""
from flask import Blueprint

bp = Blueprint("progress", __name__, url_prefix="/progress")
