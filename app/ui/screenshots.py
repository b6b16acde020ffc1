"""Renders every page and dialog of the demo vault to PNG, offscreen.

    python -m app.ui.screenshots OUT_DIR [--theme light|dark]

Run it with QT_SCALE_FACTOR=2 for the 200% set (`make screenshots` does both scales and
themes). Uses a throw-away data folder, so your own vaults and settings are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="keyledger-shots-"))
    os.environ["KEYLEDGER_DATA_DIR"] = str(scratch / "data")
    os.environ["KEYLEDGER_CONFIG_DIR"] = str(scratch / "config")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    from app.ui.shots import capture_all, capture_rotate_wizard
    from app.ui.shots_access import capture_access
    from app.ui.shots_reviews import capture_reviews

    args.out.mkdir(parents=True, exist_ok=True)
    written = capture_all(args.out, args.theme) + capture_rotate_wizard(args.out, args.theme)
    written += capture_access(args.out, args.theme)
    written += capture_reviews(args.out, args.theme)
    for path in written:
        print(path)  # noqa: T201 - the list of files is this tool's output
    return 0


if __name__ == "__main__":
    sys.exit(main())
