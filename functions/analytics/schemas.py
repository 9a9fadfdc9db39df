"""Response models of campaign analytics."""
from pydantic import BaseModel


class CampaignStatsView(BaseModel):
    """A campaign's counters: `gmv_fen` is what its orders paid, `refunded_fen` what was refunded of them."""

    kind: str
    campaign_id: str
    participants: int
    new_users: int
    shares: int
    orders: int
    gmv_fen: int
    refunded_fen: int
