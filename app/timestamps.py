"""Timestamps in query strings and bodies: ISO 8601 only.

Pydantic also reads a bare number as Unix seconds (`until=0.5` would be 1970), which the
OpenAPI's `format: date-time` does not allow: such a value is a 422 here, as documented.
"""

import re
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_only(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO.match(value)):
        return value
    raise ValueError("an ISO 8601 date-time is expected, e.g. 2026-11-26T12:00:00Z")


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]
