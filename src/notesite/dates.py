"""Front-matter dates: `2026-01-11`, `2026-01-11 10:30`, or ISO 8601 with offset."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: object, site_timezone: tzinfo) -> datetime:
    """Return an aware datetime; naive values are in `site_timezone`.

    Raises ValueError with a reader-friendly message on anything else.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"invalid date '{value}' (use 2026-01-11, 2026-01-11 10:30 or ISO 8601)"
            ) from None
        if _DATE_ONLY.match(text):
            parsed = datetime(parsed.year, parsed.month, parsed.day)
    else:
        raise ValueError(f"invalid date {value!r} (use 2026-01-11, 2026-01-11 10:30 or ISO 8601)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=site_timezone)
    return parsed
