"""Step 6a: running the web app under a real WSGI server (granian or gunicorn)."""
