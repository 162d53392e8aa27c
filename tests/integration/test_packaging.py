"""The line as `pip install .` makes it: a wheel in a fresh virtualenv, served from a folder of its own."""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support import clean_env, live_line

ROOT = Path(__file__).resolve().parents[2]
# A Fernet key, so the callback list exists (made for this test: it encrypts nothing real).
CALLBACK_KEY = "TovnMfMMYmjqZiTXBUX9gkNUSFxzVIGF9p9B5BOwheM="
STAFF = {"IVR_STAFF_USER": "sekretaer", "IVR_STAFF_PASSWORD": "en-lang-hemmelighed-1"}


def installed(tmp_path: Path) -> Path:
    """Build the wheel offline and install it into a fresh virtualenv; return that virtualenv's folder."""
    wheels, source, venv = (tmp_path / name for name in ("wheels", "source", "venv"))
    # Built from a copy, so the build leaves nothing in the repository.
    shutil.copytree(ROOT / "ivr", source / "ivr", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, source], check=True)
    [wheel] = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    [packages] = (venv / "lib").glob("python*/site-packages")
    # The dependencies from this environment, named as a plain path: its .pth files (the editable checkout's
    # among them) are not read, so `ivr` can only come from the wheel.
    (packages / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", python, "install", "--no-deps", wheel], check=True)
    return venv


@pytest.mark.slow
def test_the_installed_wheel_serves_every_page_from_a_folder_of_its_own(tmp_path: Path) -> None:
    venv = installed(tmp_path)
    [packages] = (venv / "lib").glob("python*/site-packages")
    # Every file of the package that is not code (templates, static files, content) is in the wheel.
    tree = {path.relative_to(ROOT) for path in (ROOT / "ivr").rglob("*") if path.is_file()}
    data = {path for path in tree if path.suffix != ".py" and "__pycache__" not in path.parts}
    assert data
    assert {path for path in data if not (packages / path).is_file()} == set()
    work = tmp_path / "work"  # outside the repository: nothing may come from the checkout
    work.mkdir()
    env = clean_env(IVR_DATABASE_URL=f"sqlite:///{work / 'stats.sqlite'}")

    def ivr(*args: str) -> str:
        command = [str(venv / "bin" / "ivr"), *args]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=True).stdout

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import ivr; print(ivr.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(packages)
    assert "ok" in ivr("check")
    ivr("build-audio", "--engine", "espeak")
    rows = json.loads(ivr("prompts", "--json"))
    assert rows
    assert {row["audio"] for row in rows} == {"fresh"}
    audio = "/audio/" + Path(rows[0]["file"]).name
    pages = ["/", "/preview/", "/staff/stats", "/staff/callbacks", "/healthz", audio]
    settings = {"IVR_DEVELOPMENT": "true", "IVR_CALLBACK_KEY": CALLBACK_KEY, "IVR_WORKERS": "1", **STAFF}
    with live_line(work, settings, ivr=venv / "bin" / "ivr", cwd=work) as line:
        password = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        password.add_password(None, line.base, STAFF["IVR_STAFF_USER"], STAFF["IVR_STAFF_PASSWORD"])
        opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(password))
        statuses = {page: opener.open(line.base + page, timeout=10).status for page in pages}
        log = line.log.read_text(encoding="utf-8")
    assert statuses == dict.fromkeys(pages, 200)
    assert "Traceback" not in log
    assert "TemplateNotFound" not in log
