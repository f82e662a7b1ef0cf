"""The app-wide pages and frame above every feature: home, language, health check, navigation.

The blueprint keeps the name "core" its endpoints had (core.home, core.language)."""
from flask import Blueprint

bp = Blueprint("core", __name__)
