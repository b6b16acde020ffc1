"""Screenshots of the Reviews view over `review_sample` (a review half decided, grants unused
for 90 days tinted, one changed since the snapshot), deciding two rows, and the sign-off."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.ui.shots import _save


def capture_reviews(out: Path, theme: str) -> list[Path]:
    from zoneinfo import ZoneInfo

    from app.ui.app import make_app
    from app.ui.dialogs.decide_dialog import DecideDialog
    from app.ui.dialogs.sign_off_dialog import SignOffDialog
    from app.ui.review_sample import ME, review_sample, sign_off_sample
    from app.ui.theme import apply_theme
    from app.ui.views.reviews_view import ReviewsView

    apply_theme(make_app(), theme)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    view = ReviewsView()
    view.resize(1276, 790)  # the console's view area at 1360 × 820
    view.set_campaigns(review_sample(now), ME, now, ZoneInfo("Europe/Berlin"))
    view.set_due(view.tr("A review is under way, due 2026-12-14"), False)
    view.show()
    view._select_keys([("dora", "prod")])
    shots = [_save(view, out, "reviews", theme)]

    view.select_unused()
    rows = [i.row for i in view.rows.items() if i.row.unused and i.why_not is None]
    decide = DecideDialog(rows[:2], "revoke", view)
    decide.comment.setText("no use since the summer: ask again when needed")
    decide.show()
    shots.append(_save(decide, out, "review-decide", theme))
    decide.close()
    decide.deleteLater()

    campaign, plan = sign_off_sample()
    dialog = SignOffDialog(campaign, plan, view)
    dialog.show()
    shots.append(_save(dialog, out, "review-sign-off", theme))
    dialog.close()
    dialog.deleteLater()
    view.close()
    view.deleteLater()
    return shots
