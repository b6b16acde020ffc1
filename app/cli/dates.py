"""A calendar date on the command line: YYYY-MM-DD, refused in one line otherwise."""

from __future__ import annotations

from datetime import date

import click


class IsoDate(click.ParamType):
    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not a date of the form YYYY-MM-DD", param, ctx)


DATE = IsoDate()
