"""Entry point for WSGI servers: `gunicorn wsgi:app`."""

from registry import create_app

app = create_app()

# Compile every page's template while the worker starts, not in the first request for each.
for name in app.jinja_env.list_templates(extensions=["html"]):
    app.jinja_env.get_template(name)
