"""Long exports and imports show progress on a terminal's standard error, and stay quiet piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REGISTRY = str(Path(sys.executable).with_name("registry"))


def run(args, database_url, *, terminal: bool) -> tuple[int, str]:
    environment = {**os.environ, "REGISTRY_DATABASE_URL": database_url}
    if terminal:
        parent, child = pty.openpty()
        process = subprocess.Popen(
            [REGISTRY, *args], stdout=subprocess.DEVNULL, stderr=child, env=environment
        )
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(parent, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not data:
                break
            chunks.append(data)
        os.close(parent)
        return process.wait(timeout=120), b"".join(chunks).decode()
    result = subprocess.run(
        [REGISTRY, *args], capture_output=True, text=True, env=environment, timeout=120, check=False
    )
    return result.returncode, result.stderr


def test_progress_on_a_terminal_only(app, database_url, make_party, tmp_path):
    from registry.extensions import db

    for number in range(30):
        make_party(name=f"State {number}")
    db.session.commit()
    export = ["export", "parties", "--output", str(tmp_path / "parties.csv")]
    code, shown = run(export, database_url, terminal=True)
    assert code == 0
    assert "parties: 30 rows written." in shown
    code, piped = run(export, database_url, terminal=False)
    assert (code, piped) == (0, "")

    importing = ["import", "parties", str(tmp_path / "parties.csv"), "--dry-run"]
    code, shown = run(importing, database_url, terminal=True)
    assert code == 0
    assert "parties import: 30 rows checked." in shown
    code, piped = run(importing, database_url, terminal=False)
    assert (code, piped) == (0, "")
