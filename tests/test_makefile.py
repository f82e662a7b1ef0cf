"""`make test` on a fresh machine: Chromium, which the browser tests drive, is
installed by make itself when it runs as root, otherwise make stops at once with
the command to run. The machine is faked by a PATH holding only stand-ins for
`id`, `apt-get` and `chromium`."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
INSTALL = "sudo apt-get update && sudo apt-get install -y chromium"


def _tool(bin_dir, name, body):
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """machine(uid, chromium=False, apt_get=True) → run(target): make's exit code, its output,
    and the apt-get commands run."""
    log = tmp_path / "apt-get.log"

    def make(uid, chromium=False, apt_get=True):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        _tool(bin_dir, "id", f"echo {uid}")
        if apt_get:
            _tool(bin_dir, "apt-get", f'echo "$*" >> {log}')
        if chromium:
            _tool(bin_dir, "chromium", "exit 0")

        def run(target):
            env = {k: v for k, v in os.environ.items() if k != "FIELDOPS_CHROMIUM"}
            env["PATH"] = str(bin_dir)
            # A venv of its own: were the check to let `make test` through, it could not run the suite.
            done = subprocess.run([MAKE, "-s", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}"], env=env,
                                  capture_output=True, text=True, timeout=60)
            ran = log.read_text().splitlines() if log.exists() else []
            return done.returncode, done.stdout + done.stderr, ran

        return run

    return make


def test_chromium_present_is_left_alone(machine):
    code, _output, apt = machine(uid=1000, chromium=True)("chromium")
    assert code == 0 and apt == []


def test_root_installs_chromium_when_missing(machine):
    code, output, apt = machine(uid=0)("chromium")
    assert code == 0, output
    assert apt == ["update -q", "install -y -q chromium"]


@pytest.mark.parametrize("uid, apt_get", [(1000, True), (0, False)], ids=["not root", "no apt-get"])
def test_otherwise_make_test_stops_at_once_with_the_command(machine, uid, apt_get):
    code, output, apt = machine(uid=uid, apt_get=apt_get)("test")
    assert code != 0
    assert INSTALL in output
    assert apt == []
    # Stopped before installing anything or compiling the catalogues.
    assert "compiling catalog" not in output and "pip" not in output
