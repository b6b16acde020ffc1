import pytest
from PySide6.QtGui import QGuiApplication, QPalette

from app.ui.theme import apply_theme, is_dark


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_disabled_controls_look_disabled(qapp, theme):
    apply_theme(qapp, theme)
    try:
        palette = QGuiApplication.palette()
        assert is_dark(qapp) is (theme == "dark")
        for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text):
            enabled = palette.color(QPalette.ColorGroup.Active, role)
            disabled = palette.color(QPalette.ColorGroup.Disabled, role)
            button = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button)
            assert abs(enabled.lightness() - disabled.lightness()) >= 60
            assert abs(disabled.lightness() - button.lightness()) >= 60  # still legible
    finally:
        apply_theme(qapp, "light")
