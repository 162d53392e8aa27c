"""Rodblokade-linjen: a Danish telephone information line for patients before a nerve root block.

`create_app` lives in `ivr.app` and is loaded only when asked for, so that the call logic (`ivr.line`) can be
imported without Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivr.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """Load `create_app` on first use (`from ivr import create_app`, gunicorn's `ivr:create_app()`)."""
    if name == "create_app":
        from ivr.app import create_app  # noqa: PLC0415  (deferred: keeps Flask out of `import ivr.line`)

        return create_app
    raise AttributeError(f"module 'ivr' has no attribute {name!r}")
