"""Pydantic building blocks shared by the capabilities' request schemas."""
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=5000)]
Fen = Annotated[int, Field(ge=0, le=100_000_000_00)]
Id = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[^\s]{1,500}$", max_length=512)]


class Strict(BaseModel):
    """A request body: unknown fields are refused (mass-assignment guard), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
