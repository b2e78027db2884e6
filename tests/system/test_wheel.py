"""What clinic IT installs: build the sdist and the wheel from it, install the wheel into a
fresh venv outside the repository, and use it from another folder with no deck argument."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = "kiosk/_bundled"


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def repo_files(folder: str) -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # `python -m build` makes the sdist first and the wheel from it, so the wheel proves the
    # sdist carries everything too.
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


def test_the_sdist_keeps_slides_and_assets_at_the_top(dist: Path):
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert repo_files("slides") | repo_files("assets") <= names
    assert "docs/deck-format.md" in names


def test_the_wheel_carries_the_deck_fonts_licence_and_pictures(dist: Path):
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{BUNDLE}/{name}" for name in repo_files("slides") | repo_files("assets")}
    assert expected <= names
    assert f"{BUNDLE}/assets/fonts/OFL.txt" in names
    assert f"{BUNDLE}/docs/deck-format.md" in names
    assert "kiosk/py.typed" in names


def test_the_installed_kiosk_works_from_any_folder(dist: Path, tmp_path: Path):
    (wheel,) = dist.glob("*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    # The same pinned, hash-checked dependencies `make run` installs, then the wheel itself.
    run(
        bin_dir / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--require-hashes",
        "-r",
        ROOT / "requirements" / "run.txt",
        cwd=tmp_path,
    )
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-deps", wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env |= {"SDL_VIDEODRIVER": "dummy", "XDG_STATE_HOME": str(tmp_path / "state")}
    kiosk = bin_dir / "kiosk"
    where = run(
        bin_dir / "python",
        "-c",
        "import kiosk.deck.bundled as b; print(b.bundled_deck())",
        cwd=elsewhere,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(env_dir)  # not the checkout

    validated = run(kiosk, "validate", "--size", "1280x800", cwd=elsewhere, env=env)
    assert validated.startswith(f"{env_dir}")
    assert "slides in" in validated and "all fit at 1280×800" in validated

    run(
        kiosk,
        "render",
        "--out",
        "png",
        "--size",
        "1280x800",
        "--language",
        "en",
        cwd=elsewhere,
        env=env,
    )
    pngs = list((elsewhere / "png").glob("*.png"))
    slides = len([p for p in pngs if p.name != "contact-sheet.png"])
    assert slides >= 20 and (elsewhere / "png" / "contact-sheet.png").is_file()

    shown = run(
        kiosk, "run", "--windowed", "1280x800", "--first-frame-and-exit", cwd=elsewhere, env=env
    )
    assert any(line.startswith("first-frame ") for line in shown.splitlines())

    told = run(kiosk, "init", "clinic", cwd=elsewhere, env=env)
    assert "Next steps:" in told
    assert (elsewhere / "clinic" / "assets" / "fonts" / "OFL.txt").is_file()
    run(kiosk, "validate", "clinic/slides", "--size", "1280x800", cwd=elsewhere, env=env)
