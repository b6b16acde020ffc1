"""The shipped files are found from a bundle, a wheel and a checkout, and look as intended."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from app.ui import icons, resources
from app.ui.theme import apply_theme

NAME = "resources/themes/light.qss"


def _put(root: Path, text: str) -> Path:
    path = root / NAME
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def layouts(tmp_path, monkeypatch) -> dict[str, Path]:
    """Where each kind of install keeps the files, for an `app` package at repo/app."""
    repo = tmp_path / "repo"
    monkeypatch.setattr(resources, "_APP", repo / "app")
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    return {"checkout": repo, "wheel": repo / "app" / "_data", "bundle": tmp_path / "bundle"}


def test_a_checkout_reads_the_repository(layouts):
    path = _put(layouts["checkout"], "checkout")
    assert resources.resource_path(NAME) == path
    assert resources.read_text(NAME) == "checkout"


def test_a_wheel_reads_its_package_data_first(layouts):
    _put(layouts["checkout"], "checkout")
    _put(layouts["wheel"], "wheel")
    assert resources.read_text(NAME) == "wheel"


def test_a_frozen_build_reads_its_bundle_first(layouts, monkeypatch):
    _put(layouts["wheel"], "wheel")
    _put(layouts["bundle"], "bundle")
    monkeypatch.setattr(sys, "_MEIPASS", str(layouts["bundle"]), raising=False)
    assert resources.read_text(NAME) == "bundle"


def test_a_missing_file_names_every_place_looked(layouts, monkeypatch):
    monkeypatch.setattr(sys, "_MEIPASS", str(layouts["bundle"]), raising=False)
    with pytest.raises(FileNotFoundError) as error:
        resources.resource_path(NAME)
    for place in ("bundle", "_data", "repo"):
        assert place in str(error.value)


def test_every_action_icon_and_icon_size_ships():
    for name in icons.ACTIONS:
        assert resources.resource_path(f"resources/actions/{name}.svg").stat().st_size > 0
    for size in icons.APP_ICON_SIZES:
        assert resources.resource_path(f"icons/keyledger-{size}.png").stat().st_size > 0


def test_the_application_icon_has_every_rendered_size(qapp):
    sizes = {(s.width(), s.height()) for s in icons.app_icon().availableSizes()}
    assert sizes == {(s, s) for s in icons.APP_ICON_SIZES}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_action_icons_take_the_themes_text_colour(qapp, theme):
    apply_theme(qapp, theme)
    try:
        text = QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)
        disabled = QGuiApplication.palette().color(
            QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText
        )
        icon = icons.action_icon("unlock")
        assert _ink(icon, QIcon.Mode.Normal) == text.name()
        assert _ink(icon, QIcon.Mode.Disabled) == disabled.name()
    finally:
        apply_theme(qapp, "light")


@pytest.mark.parametrize("theme", ["light", "dark", "system"])
def test_each_theme_applies_its_style_sheet(qapp, theme):
    apply_theme(qapp, theme)
    try:
        expected = resources.read_text(
            "resources/themes/dark.qss" if theme == "dark" else "resources/themes/light.qss"
        )
        assert qapp.styleSheet() == expected
    finally:
        apply_theme(qapp, "light")


def test_action_icons_are_drawn_at_the_screens_pixel_ratio(qapp):
    pixmap = icons.action_icon("open").pixmap(QSize(24, 24), 2.0)
    assert (pixmap.width(), pixmap.devicePixelRatio()) == (48, 2.0)


def _ink(icon: QIcon, mode: QIcon.Mode) -> str:
    """The colour of the icon's fully opaque pixels."""
    image = icon.pixmap(48, 48, mode).toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }
    assert len(colours) == 1, colours
    return colours.pop()
