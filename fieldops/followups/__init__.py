"""Follow-ups after visits: the queues, the actions, the notices, the export."""
from flask import Blueprint

bp = Blueprint("followups", __name__, url_prefix="/followups")
