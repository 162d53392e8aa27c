"""A part of the app as Flask sees it: built once by create_app, registered with `init_app`, found again by
its class, as Flask's own extensions are (`app.extensions[name]`). Each part owns its state; none reaches
into another's through a shared object."""

from __future__ import annotations

from typing import ClassVar, Self

from flask import Blueprint, Flask, current_app


class Component:
    """Registers itself on an app under its `extension` name; `of(app)` and `current()` find it again."""

    extension: ClassVar[str]
    # The part's pages, registered with it, where it has any.
    blueprint: ClassVar[Blueprint | None] = None

    def init_app(self, app: Flask) -> None:
        """Register this part and its pages on `app`; parts with hooks add them too."""
        app.extensions[self.extension] = self
        if self.blueprint is not None:
            app.register_blueprint(self.blueprint)

    @classmethod
    def of(cls, app: Flask) -> Self:
        """This kind of part of `app`."""
        found = app.extensions[cls.extension]
        if not isinstance(found, cls):
            raise TypeError(f"{cls.extension} of this app is a {type(found).__name__}, not a {cls.__name__}")
        return found

    @classmethod
    def current(cls) -> Self:
        """This kind of part of the app answering the current request."""
        return cls.of(current_app._get_current_object())  # type: ignore[attr-defined]
