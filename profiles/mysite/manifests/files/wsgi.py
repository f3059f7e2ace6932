"""The whole application: a plain WSGI callable (no framework needed to prove the stack)."""
import os


def application(environ, start_response):
    body = b"Hello from mysite: gunicorn on a unix socket behind nginx.\n"
    if not os.environ.get("MYSITE_SECRET_KEY"):
        body = b"mysite is missing its secret key.\n"
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
