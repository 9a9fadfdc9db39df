"""Pydantic building blocks shared by the capabilities' request schemas."""
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=5000)]
Fen = Annotated[int, Field(ge=0, le=100_000_000_00)]
Id = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s]{1,500}$", max_length=512)]


class Strict(BaseModel):
    """A request body: unknown fields are refused (mass-assignment guard), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _epoch_seconds(value: object) -> object:
    """Epoch seconds as given, or an ISO-8601 string with a time zone turned into epoch seconds."""
    from datetime import datetime

    if isinstance(value, bool):
        raise ValueError("must be epoch seconds or an ISO-8601 time")
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("must be epoch seconds or an ISO-8601 time") from exc
        if moment.tzinfo is None:
            raise ValueError("an ISO-8601 time needs a time zone (e.g. Z or +08:00)")
        return int(moment.timestamp())
    return value


# a point in time in a request: epoch seconds, or ISO-8601 with a zone ("2030-01-01T10:00:00+08:00")
EpochSeconds = Annotated[int, BeforeValidator(_epoch_seconds), Field(ge=1_500_000_000, le=4_102_444_800)]
