"""Accounts: sign-in and sessions, the users' pages, roles and their checks."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
