"""Request bodies and response shapes of the stores capability."""
import math
import re
from typing import Annotated, List, Mapping, Optional

from pydantic import (AfterValidator, BaseModel, Field, Strict as StrictType, StringConstraints, field_validator,
                      model_validator)

from crowdcart.api.schemas import Name, Strict
from crowdcart.errors import BadRequest

COORDINATE_DECIMALS = 7  # ~1 cm; also keeps tiny floats (1e-256) inside DynamoDB's number range


def _coordinate(value: float) -> float:
    return round(value, COORDINATE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), StrictType(), AfterValidator(_coordinate)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False), StrictType(), AfterValidator(_coordinate)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class OpeningPeriod(Strict):
    """Open from `open` to `close` (HH:MM, local time) on ISO weekdays `days` (1 = Monday).

    A `close` earlier than `open` means the period runs past midnight.
    """

    days: List[Annotated[int, Field(ge=1, le=7), StrictType()]] = Field(..., min_length=1, max_length=7)
    open: str
    close: str

    @field_validator("open", "close")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError("must be HH:MM (00:00-24:00)")
        return value

    @model_validator(mode="after")
    def _sane(self) -> "OpeningPeriod":
        if len(set(self.days)) != len(self.days):
            raise ValueError("days must not repeat")
        if self.open == self.close or self.open == "24:00":
            raise ValueError("open must be before close (or close after midnight)")
        return self


OpeningHours = Annotated[List[OpeningPeriod], Field(max_length=14)]


class CreateStore(Strict):
    """POST /admin/v1/stores."""

    name: Name = Field(description="The store's name.")
    lat: Latitude = Field(description="Latitude, in degrees.")
    lng: Longitude = Field(description="Longitude, in degrees.")
    address: Address = Field(description="The street address shoppers see.")
    opening_hours: OpeningHours = Field(default_factory=list, description="Weekly opening periods.")
    pickup_enabled: bool = Field(True, description="Shoppers may choose this store for pickup.")


class UpdateStore(Strict):
    """PATCH /admin/v1/stores/{id}: any of the fields; `active: true` re-opens a deactivated store."""

    name: Optional[Name] = None
    lat: Optional[Latitude] = None
    lng: Optional[Longitude] = None
    address: Optional[Address] = None
    opening_hours: Optional[OpeningHours] = None
    pickup_enabled: Optional[bool] = None
    active: Optional[bool] = None

    @model_validator(mode="after")
    def _something(self) -> "UpdateStore":
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class Created(BaseModel):
    """201 body of a create."""

    id: str


class StoreView(BaseModel):
    """A store as merchants see it."""

    id: str
    name: str
    lat: float
    lng: float
    address: str
    opening_hours: List[OpeningPeriod]
    pickup_enabled: bool
    active: bool
    created_at: str
    updated_at: str


class StorePage(BaseModel):
    """GET /admin/v1/stores."""

    items: List[StoreView]
    next_cursor: Optional[str]


class ShopperStore(BaseModel):
    """A store as shoppers see it."""

    id: str
    name: str
    lat: float
    lng: float
    address: str
    opening_hours: List[OpeningPeriod]
    pickup_enabled: bool


class NearbyStore(ShopperStore):
    """A store with its distance from the shopper, in whole metres."""

    distance_m: int


class NearbyPage(BaseModel):
    """GET /v1/stores/nearby: nearest first."""

    items: List[NearbyStore]
    next_cursor: Optional[str]


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 10.0


class NearbyQuery(BaseModel):
    """The parsed query of GET /v1/stores/nearby."""

    lat: float
    lng: float
    radius_km: float


def _number(params: Mapping[str, str], name: str, low: float, high: float, default: Optional[float] = None,
            low_open: bool = False) -> float:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        if default is not None:
            return default
        raise BadRequest("missing_parameter", f"{name} is required.", field=name)
    text = raw.strip()
    value = float(text) if len(text) <= 40 and _NUMBER.match(text) else math.nan
    in_range = (low < value if low_open else low <= value) and value <= high
    if not (math.isfinite(value) and in_range):
        bound = "greater than" if low_open else "from"
        raise BadRequest(f"invalid_{name}", f"{name} must be a number {bound} {low:g} to {high:g}.", field=name)
    return value


def nearby_query(params: Mapping[str, str]) -> NearbyQuery:
    """lat, lng and radius_km (default 5, at most 10) from the query string; 400 naming the field."""
    return NearbyQuery(lat=_number(params, "lat", -90, 90), lng=_number(params, "lng", -180, 180),
                       radius_km=_number(params, "radius_km", 0, MAX_RADIUS_KM, DEFAULT_RADIUS_KM, low_open=True))
