"""The line as a wheel installs it: no path may assume the repository is beside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A Fernet key, so the callback list exists (made for this test: it encrypts nothing real).
CALLBACK_KEY = "TovnMfMMYmjqZiTXBUX9gkNUSFxzVIGF9p9B5BOwheM="


@pytest.mark.slow
def test_an_installed_wheel_finds_its_content_and_the_working_directorys_audio(tmp_path: Path) -> None:
    wheels, site, work, source = (tmp_path / name for name in ("wheels", "site", "work", "source"))
    work.mkdir()
    # Built from a copy, so the build leaves nothing in the repository.
    shutil.copytree(ROOT / "ivr", source / "ivr", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, source], check=True)
    [wheel] = wheels.glob("*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", site, wheel], check=True)
    # Every file of the package that is not code (templates, static files, content) is in the wheel.
    shipped = {path.relative_to(ROOT) for path in (ROOT / "ivr").rglob("*") if path.is_file()}
    data = {path for path in shipped if path.suffix != ".py" and "__pycache__" not in path.parts}
    assert data
    assert {path for path in data if not (site / path).is_file()} == set()
    # The wheel's package comes first on the path, before the editable install of the repository.
    env = {name: value for name, value in os.environ.items() if not name.startswith(("IVR_", "TWILIO_"))}
    env |= {"PYTHONPATH": str(site), "IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'stats.sqlite'}"}

    def ivr(*args: str) -> str:
        command = [sys.executable, "-c", "from ivr.cli import main; main()", *args]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=True).stdout

    where = subprocess.run(
        [sys.executable, "-c", "import ivr; print(ivr.__file__)"],
        check=True,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site)
    assert "ok" in ivr("check")
    ivr("build-audio", "--engine", "espeak")
    assert (work / "audio" / "manifest.json").exists()
    rows = json.loads(ivr("prompts", "--json"))
    assert rows
    assert {row["audio"] for row in rows} == {"fresh"}
    # Every page of the installed package answers, the secretariat's callback list included.
    audio = "/audio/" + Path(rows[0]["file"]).name
    pages = ["/", "/preview/", "/staff/stats", "/staff/callbacks", "/healthz", audio]
    script = (
        "import sys\n"
        "from ivr import create_app\n"
        "client = create_app().test_client()\n"
        "for page in sys.argv[1:]:\n"
        "    answer = client.get(page)\n"
        "    print(page, answer.status_code)\n"
    )
    env |= {"IVR_DEVELOPMENT": "true", "IVR_CALLBACK_KEY": CALLBACK_KEY}
    answered = subprocess.run(
        [sys.executable, "-c", script, *pages], cwd=work, env=env, capture_output=True, text=True, check=True
    )
    assert answered.stdout.split() == [part for page in pages for part in (page, "200")], answered.stderr
