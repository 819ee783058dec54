"""The WSGI entry point a production server loads: `gunicorn -c webapp/gunicorn.conf.py` (see `make run`)."""

from webapp import create_app

app = create_app()
