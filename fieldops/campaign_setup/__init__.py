"""Campaign set-up (admins): campaigns created and changed, their targets copied and
allocated. Above the features whose records a campaign's dates take in (visits, group
returns, reviews) and whose figures its targets read (progress); the campaigns
themselves and which one is in force stay at the bottom (fieldops/campaigns)."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/admin/campaigns")
