"""The ASGI entry point for gunicorn: ``gunicorn -k asgi api.asgi:app``."""

from __future__ import annotations

from api.app import create_app

app = create_app()
