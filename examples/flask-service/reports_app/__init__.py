"""A Flask service for account managers: chat about an account, and monthly reports."""

from flask import Flask

from reports_app.chat import chat
from reports_app.reports import reports


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(chat, url_prefix="/api/chat")
    app.register_blueprint(reports, url_prefix="/api/reports")
    return app
