"""Outreach: the districts' communication and mobilization activities and their plans."""
from flask import Blueprint

bp = Blueprint("outreach", __name__, url_prefix="/outreach")
