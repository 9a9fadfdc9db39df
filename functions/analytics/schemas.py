"""Response models of campaign analytics."""
from pydantic import BaseModel


class CampaignStatsView(BaseModel):
    """A campaign's counters."""

    kind: str
    campaign_id: str
    participants: int
    new_users: int
    shares: int
    orders: int
    gmv_fen: int
