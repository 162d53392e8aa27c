"""Reading a leaflet: a plain-text file, or the text layer of a PDF.

PDFs are read with pypdf: it is pure Python (no compiled parts to build, or to patch, on the hospital's
servers), it is well kept (frequent releases, an active maintainer team, typed), and the text layer is all a
draft needs: no layout, no images, no OCR. A scanned leaflet without a text layer is refused with a message.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_BOMS = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


class LeafletError(Exception):
    """A leaflet that cannot be read; the message is one line, in Danish, for staff."""


@dataclass(frozen=True)
class Leaflet:
    """A leaflet's text as read, and its title when the file names one (a PDF's document title)."""

    path: Path
    text: str
    title: str | None = None


def read_leaflet(path: Path) -> Leaflet:
    """Read a leaflet as text, from a .txt file or a PDF with a text layer."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LeafletError(f"Folderen {path} findes ikke.") from None
    except IsADirectoryError:
        raise LeafletError(f"{path} er en mappe, ikke en folder.") from None
    except OSError as error:
        raise LeafletError(f"Folderen {path} kan ikke læses ({error.strerror}).") from None
    if not data.strip():
        raise LeafletError(f"Folderen {path} er tom.")
    if data.startswith(b"%PDF") or path.suffix.lower() == ".pdf":
        leaflet = _pdf(path, data)
    else:
        leaflet = Leaflet(path, _plain(path, data))
    if not any(char.isalpha() for char in leaflet.text):
        raise LeafletError(f"Folderen {path} indeholder ingen tekst.")
    return leaflet


def _plain(path: Path, data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without a byte order mark), UTF-16 with one, else Windows-1252."""
    encoding = next((name for bom, name in _BOMS.items() if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        raise LeafletError(f"Folderen {path} er hverken en tekstfil eller en PDF.")
    for candidate in (encoding,) if encoding else ("utf-8", "cp1252"):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise LeafletError(f"Folderen {path} er hverken en tekstfil (UTF-8) eller en PDF.")


def _pdf(path: Path, data: bytes) -> Leaflet:
    """The text layer of every page of a PDF, and its document title."""
    unreadable = f"PDF-filen {path} kan ikke læses: den er beskadiget, låst eller ikke en PDF."
    try:
        pages, title = _pdf_pages(path, data)
    except LeafletError:
        raise
    except Exception:  # pypdf meets a broken file with many kinds of error; each means the same to staff
        raise LeafletError(unreadable) from None
    if not pages:
        raise LeafletError(unreadable)
    text = "\n".join(pages)
    if not any(char.isalpha() for char in text):
        raise LeafletError(
            f"PDF-filen {path} har intet tekstlag (den er nok scannet); "
            "brug en PDF med tekst eller en tekstfil."
        )
    return Leaflet(path, text, title)


def _pdf_pages(path: Path, data: bytes) -> tuple[list[str], str | None]:
    """Each page's text and the document title, read with pypdf."""
    from pypdf import PdfReader  # noqa: PLC0415  (only PDF leaflets need it)

    with _quiet("pypdf"):
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LeafletError(f"PDF-filen {path} er låst med en adgangskode; gem den uden.")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    return pages, title.strip() if isinstance(title, str) and title.strip() else None


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Silence a library's log while it reads: what it says of a broken file would break the one line."""
    logger = logging.getLogger(name)  # its modules' loggers inherit the level
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)
