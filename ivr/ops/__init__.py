"""Running the line: the server, its gunicorn settings, the health check and the content watch."""
