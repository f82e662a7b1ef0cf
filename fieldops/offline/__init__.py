"""The officers' offline field kit: manifest, service worker, outbox, sync."""
from flask import Blueprint

bp = Blueprint("offline", __name__)
