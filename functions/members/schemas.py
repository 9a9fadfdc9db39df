"""Response models of the members capability."""
from typing import List, Optional

from pydantic import BaseModel


class NextLevel(BaseModel):
    """The next level and how much more spend it needs."""

    level: int
    name: str
    min_spent_fen: int
    discount_percent: int
    gap_fen: int


class LevelView(BaseModel):
    """One of the shop's levels."""

    level: int
    name: str
    min_spent_fen: int
    discount_percent: int
    points_multiplier_percent: int


class Membership(BaseModel):
    """GET /v1/me/membership: the level pricing applies now, cumulative spend, and the next level."""

    user_id: str
    level: int
    level_name: str
    total_spent_fen: int
    discount_percent: int
    points_multiplier_percent: int
    next_level: Optional[NextLevel] = None
    levels: List[LevelView]
