"""The job worker: long work (dossiers, closing reviews) queued and run outside requests."""
from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
