"""The staff page Indhold, `/staff/content`: what each line runs, its draft on this server, and the buttons
that publish the draft or bring an earlier version back (the same checks as `ivr publish`).

Behind the staff login; the forms post a token signed for the staff user (as the closures page's do), and each
version is kept with the user's name. A refusal is shown on the page in one Danish sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from ivr import staff
from ivr.versions import drafts, publishing
from ivr.versions.live import LiveContent
from ivr.versions.store import ContentVersions

bp = Blueprint("staff_content", __name__, template_folder="templates")
# The versions the page lists, newest first.
RECENT_VERSIONS = 20
_NOTES = {
    "published": "Kladden er udgivet. Patienterne hører den på alle servere inden for 5 sekunder.",
    "restored": "Versionen er udgivet igen. Patienterne hører den på alle servere inden for 5 sekunder.",
    "same": "Linjen kører allerede den tekst; intet er udgivet.",
}
_DOWN = "Det kunne ikke gemmes lige nu (databasen svarer ikke). Prøv igen om lidt."


@dataclass(eq=False)
class ContentPages(staff.StaffPages):
    """Each line's published versions and this server's drafts, as staff see and publish them."""

    blueprint = bp

    versions: ContentVersions
    # What this worker runs; read again at once after a publish here (None in a trial of drafts).
    live: LiveContent | None
    # The settings: where the drafts are, the secretariat's number a single file is given.
    config: dict[str, Any]


bp.before_request(staff.login_required)


@bp.get("/staff/content")
def content_page() -> ResponseReturnValue:
    """Each line: what it runs, its draft here; and the latest versions, each with a button to restore it."""
    return _page(note=_NOTES.get(request.args.get("note", "")))


@bp.post("/staff/content/publish")
def publish() -> ResponseReturnValue:
    """Publish a line's draft; back to the page."""
    pages = ContentPages.current()
    line_id = _form_line(pages)
    running = [line.content for line in pages.lines]
    return _done(
        lambda: publishing.publish_draft(
            pages.versions, pages.config, running, line_id, who=staff.user(), now=pages.clock()
        ),
        "published",
    )


@bp.post("/staff/content/restore")
def restore() -> ResponseReturnValue:
    """Publish an earlier version's text again; back to the page."""
    pages = ContentPages.current()
    line_id = _form_line(pages)
    number = request.form.get("version", "")
    if not number.isdigit() or len(number) > 9:
        abort(400)
    running = pages.lines.by_id[line_id].content
    return _done(
        lambda: publishing.restore(
            pages.versions, pages.config, running, int(number), who=staff.user(), now=pages.clock()
        ),
        "restored",
    )


def _done(work: Any, note: str) -> ResponseReturnValue:
    """Run a publish or restore: the page again with its refusal, or back to it with what was done."""
    pages = ContentPages.current()
    try:
        _, new = work()
    except publishing.RefusedError as refused:
        return _page(refusal=str(refused), status=400)
    except SQLAlchemyError:
        return _page(refusal=_DOWN, status=503)
    if pages.live is not None:
        pages.live.expire()
    return redirect(url_for("staff_content.content_page", note=note if new else "same"), 303)


def _page(*, note: str | None = None, refusal: str | None = None, status: int = 200) -> Response:
    pages = ContentPages.current()
    zone = pages.lines.first.content.hours.timezone
    names = {line.content.line.id: line.content.line.name for line in pages.lines}

    def local(at: datetime) -> str:
        return at.astimezone(zone).strftime("%d.%m.%Y kl. %H:%M")

    try:
        history = pages.versions.history()
    except SQLAlchemyError:
        history, refusal = [], refusal or "Versionerne kan ikke læses lige nu (databasen svarer ikke)."
    newest = {version.line: version.number for version in history}
    lines = []
    for line in pages.lines:
        line_id = line.content.line.id
        draft = drafts.draft_file(pages.config, line_id)
        stamp = draft.stat().st_mtime if draft.is_file() else None
        lines.append(
            {
                "id": line_id,
                "name": line.content.line.name,
                "runs": pages.lines.version(line_id),
                "draft": str(draft),
                "draft_saved": local(datetime.fromtimestamp(stamp, zone)) if stamp is not None else None,
            }
        )
    versions = [
        {
            "line": version.line,
            "name": names.get(version.line, version.line),
            "number": version.number,
            "who": version.who,
            "when": local(version.at),
            "restored_from": version.restored_from,
            "live": newest[version.line] == version.number,
        }
        for version in sorted(history, key=lambda version: version.at, reverse=True)[:RECENT_VERSIONS]
    ]
    body = render_template(
        "content.html",
        lines=lines,
        versions=versions,
        token=ContentPages.signer().token(),
        note=note,
        refusal=refusal,
    )
    return Response(body, status, mimetype="text/html")


def _form_line(pages: ContentPages) -> str:
    """The line a form names (the first when there is one line); 400 for a page too old (its token) or a line
    that is not there."""
    if not ContentPages.signer().posted():
        abort(_page(refusal=staff.STALE_FORM, status=400))
    line_id = request.form.get("line")
    if not line_id:
        return pages.lines.first.content.line.id
    if line_id not in pages.lines.by_id:
        abort(400)
    return line_id
