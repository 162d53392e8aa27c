"""What docs/operations.md tells an operator to type works as written: the environment file can be read by a
shell (a password hash's `$` kept), and the shipped unit's example quotes it the same way."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def environment_example() -> str:
    """The first sh block of the page's section on the environment file."""
    section = OPERATIONS.split("## The environment file", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_environment_file_can_be_sourced_with_the_hash_intact(tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.write_text(environment_example(), encoding="utf-8")
    script = f'set -a; . "{env}"; set +a; printf "%s" "$IVR_STAFF_PASSWORD_HASH"'
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, env={})
    assert done.stdout.startswith("scrypt:32768:8:1$Q2xhcmE$")
    assert done.stderr == ""


def test_the_units_example_quotes_the_hash_as_the_docs_do() -> None:
    unit = (ROOT / "deploy" / "rodblokade-linjen.service").read_text(encoding="utf-8")
    assert "#   IVR_STAFF_PASSWORD_HASH='scrypt:" in unit
    assert "IVR_STAFF_PASSWORD_HASH='scrypt:" in environment_example()
