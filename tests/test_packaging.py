"""What ships: the wheel carries the run-time files, the icon renders match their SVG master,
the .ico/.icns containers hold every size, and the Linux desktop files agree with the app."""

from __future__ import annotations

import configparser
import importlib.util
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from app import __version__
from app.ui.app import DESKTOP_ID

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "icons"


def _script(name: str):  # packaging/ is a folder of scripts, not a package
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_icons = _script("render_icons")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("keyledger-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_carries_the_style_sheets_icons_and_action_icons(wheel_names):
    shipped = {
        *(ROOT / "resources").glob("themes/*.qss"),
        *(ROOT / "resources").glob("actions/*.svg"),
        *ICONS.glob("keyledger*"),
    }
    assert len(shipped) > 15
    for path in shipped:
        assert f"app/_data/{path.relative_to(ROOT).as_posix()}" in wheel_names


def test_the_wheel_holds_the_app_and_not_the_repository(wheel_names):
    assert "app/ui/resources.py" in wheel_names
    assert "app/cli/main.py" in wheel_names
    assert {name.split("/")[0] for name in wheel_names} == {
        "app",
        f"keyledger-{__version__}.dist-info",
    }
    images = {name for name in wheel_names if name.endswith(".png")}
    assert images == {f"app/_data/icons/keyledger-{size}.png" for size in render_icons.SIZES}


@pytest.mark.parametrize("size", [16, 32, 256])
def test_committed_renders_match_the_svg_master(qapp, size):
    from PySide6.QtGui import QImage

    fresh = QImage.fromData(render_icons.render_png(render_icons.MASTER, size))
    committed = QImage(str(ICONS / f"keyledger-{size}.png"))
    assert (committed.width(), committed.height()) == (size, size)
    worst = max(
        abs(getattr(fresh.pixelColor(x, y), c)() - getattr(committed.pixelColor(x, y), c)())
        for x in range(size)
        for y in range(size)
        for c in ("red", "green", "blue", "alpha")
    )
    assert worst <= 8, "icons/ is stale: run `make icons`"


def test_the_ico_holds_each_windows_size_as_png():
    data = (ICONS / "keyledger.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(render_icons.ICO_SIZES))
    for i, size in enumerate(render_icons.ICO_SIZES):
        width, height, *_, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert width == height == size % 256
        payload = data[offset : offset + length]
        assert payload.startswith(b"\x89PNG")
        assert _png_size(payload) == size


def test_the_icns_holds_each_macos_size_as_png():
    data = (ICONS / "keyledger.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    found, offset = {}, 8
    while offset < len(data):
        kind, length = data[offset : offset + 4], struct.unpack_from(">I", data, offset + 4)[0]
        found[kind] = _png_size(data[offset + 8 : offset + length])
        offset += length
    assert found == {kind: size for kind, size in render_icons.ICNS_TYPES}


def test_the_desktop_entry_and_metainfo_name_the_app():
    linux = ROOT / "packaging" / "linux"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(linux / f"{DESKTOP_ID}.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert (desktop["Type"], desktop["Exec"], desktop["Icon"]) == (
        "Application",
        "keyledger",
        DESKTOP_ID,
    )
    meta = ET.parse(linux / f"{DESKTOP_ID}.metainfo.xml").getroot()  # noqa: S314 - our file
    assert meta.findtext("id") == DESKTOP_ID
    assert meta.findtext("launchable") == f"{DESKTOP_ID}.desktop"
    assert meta.findtext("provides/binary") == "keyledger"
    assert meta.find("releases/release").get("version") == __version__


def _png_size(png: bytes) -> int:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack_from(">II", png, 16)
    assert width == height
    return width
