"""The wheel is complete: installed into a fresh venv and run from outside the repository,
`persona --version` answers and `persona prompts` loads and validates every prompt file
(prompts, templates and static files ship inside the package)."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                         env=env, timeout=600, check=False)
    assert out.returncode == 0, f"{args}: {out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's bin directory, a clean environment) with only the wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the working tree, so setuptools' build/ leftovers in the checkout
    # can neither leak stale files into the wheel nor be left behind.
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "artifacts",
        ".hypothesis", ".persona"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", tmp / "dist", src, cwd=tmp)
    (wheel,) = (tmp / "dist").glob("personakit-*.whl")
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv, cwd=tmp)
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
        "--no-deps", wheel, cwd=tmp)
    # The dependencies live in the test interpreter's (virtual) environment, which
    # --system-site-packages does not reach from a venv: add its site-packages as a plain
    # path entry — after the new venv's own, and without running its .pth files, so the
    # editable install of the source tree there stays out of the way.
    site = Path(run(venv / "bin" / "python", "-c", "import sysconfig; "
                    "print(sysconfig.get_paths()['purelib'])", cwd=tmp).stdout.strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PERSONA_"))}
    return venv / "bin", env


def test_the_wheel_runs_from_outside_the_repository(installed, tmp_path):
    from agent.prompts import available

    bin_dir, env = installed
    where = run(bin_dir / "python", "-c", "import agent, prompts; print(agent.__file__); "
                "print(prompts.__file__)", cwd=tmp_path, env=env).stdout.split()
    assert all(str(bin_dir.parent) in w and str(ROOT) not in w for w in where), where
    version = run(bin_dir / "persona", "--version", cwd=tmp_path, env=env).stdout
    assert version.strip() == "persona (personakit) 0.1.0"
    listed = json.loads(run(bin_dir / "persona", "--json", "prompts", cwd=tmp_path,
                            env=env).stdout)["prompts"]
    expected = {f"{p}@v{v}" for p, vs in available().items() for v in vs}
    assert {p["ref"] for p in listed} == expected and all(p["locked"] for p in listed)
    assert not (tmp_path / ".persona").exists()  # listing prompts writes no workspace
