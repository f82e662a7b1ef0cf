"""Entry point for `flask --app wsgi` and `gunicorn wsgi:app`."""
from fieldops import create_app

app = create_app()
