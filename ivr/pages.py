"""What every HTML page the app answers carries: never framed, never sniffed, no referrer, one policy."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response, request

HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# Every page's Content-Security-Policy has these, whatever else it allows: no other site may frame it
# (clickjacking a staff login), and no injected <base> may move where its relative URLs point.
REQUIRED = {"frame-ancestors": "'none'", "base-uri": "'none'"}
# A page no blueprint below names (error pages, mostly) may load nothing and send no form anywhere.
DEFAULT = {"default-src": "'none'", "form-action": "'none'"}
# What each blueprint's pages need, by blueprint name; everything from this server only.
POLICIES: Mapping[str, Mapping[str, str]] = {
    # The preview runs its own script and stylesheet, posts each key press and plays the built prompts.
    "preview": {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "connect-src": "'self'",
        "media-src": "'self'",
        "form-action": "'self'",
    },
    # The start page: its own inline stylesheet, links only.
    "start": {"default-src": "'none'", "style-src": "'unsafe-inline'", "form-action": "'none'"},
    # The statistics are one self-contained page: an inline stylesheet, inline SVG, a GET form.
    "staff_stats": {"default-src": "'none'", "style-src": "'unsafe-inline'", "form-action": "'self'"},
    # The callback list: an inline stylesheet, its buttons post to this server.
    "staff_callbacks": {"default-src": "'none'", "style-src": "'unsafe-inline'", "form-action": "'self'"},
}

# The pages that show a phone number (the callback list, the secretariat's on every staff page, a number keyed
# into the preview): never kept by a browser or a proxy, whatever their kind (HTML, JSON, CSV).
PRIVATE = frozenset({"preview", "start", "staff_stats", "staff_callbacks"})
# And anything under these paths, so a new staff page is covered before anyone lists it (metrics, closures).
PRIVATE_PATHS = ("/staff/", "/preview/")


def init_app(app: Flask) -> None:
    """Add the page headers to every HTML answer, error pages included; answer browsers' icon request."""
    app.after_request(protect)
    app.add_url_rule("/favicon.ico", "favicon", no_icon)


def no_icon() -> Response:
    """Tell a browser there is no icon (204), for a day.

    It asks on any page that names none (the JSON of /healthz, the menu's SVG); a 404 there is an error in its
    console and in the access log.
    """
    return Response(status=204, headers={"Cache-Control": "public, max-age=86400"})


def protect(response: Response) -> Response:
    """Add the headers and the one Content-Security-Policy to an HTML response, and no-store to a staff
    page's answer of any kind; leave others alone."""
    if request.blueprint in PRIVATE or request.path.startswith(PRIVATE_PATHS):
        response.headers["Cache-Control"] = "no-store"
    if response.mimetype != "text/html":
        return response
    response.headers.update(HEADERS)
    own = response.headers.get("Content-Security-Policy")
    directives = parse(own) if own else dict(POLICIES.get(request.blueprint or "", DEFAULT))
    response.headers["Content-Security-Policy"] = policy({**directives, **REQUIRED})
    return response


def parse(text: str) -> dict[str, str]:
    """Split a policy a view set itself into {directive: sources}."""
    pairs = (part.strip().partition(" ") for part in text.split(";"))
    return {name.lower(): sources.strip() for name, _, sources in pairs if name}


def policy(directives: Mapping[str, str]) -> str:
    """Write directives as one Content-Security-Policy value."""
    return "; ".join(f"{name} {sources}".rstrip() for name, sources in directives.items())
