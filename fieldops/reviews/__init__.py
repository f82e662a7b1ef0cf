"""Interim and final reviews: periods, criteria, nominations, titles, dossiers, awards."""
from flask import Blueprint

bp = Blueprint("reviews", __name__)
