"""Request bodies of the auth capability."""
from typing import Optional

from pydantic import BaseModel, Field, field_validator

from crowdcart.api.schemas import Id, Strict
from crowdcart.clock import now
from crowdcart.domain import members


class Login(Strict):
    """POST /v1/auth/login."""

    shop_id: Id = Field(description="The shop the mini-program belongs to.")
    code: str = Field(..., min_length=1, max_length=128,
                      description="The one-time code from `wx.login()`, exchanged through code2Session.")


class ProfileUpdate(Strict):
    """PATCH /v1/me: what a shopper may change about themselves."""

    nickname: Optional[str] = Field(None, max_length=40)
    avatar_url: Optional[str] = Field(None, pattern=r"^https://\S{1,500}$")
    birthday: Optional[str] = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    phone: Optional[str] = Field(None, pattern=r"^\+?\d{6,15}$")

    @field_validator("birthday")
    @classmethod
    def _real_past_day(cls, value: Optional[str]) -> Optional[str]:
        """A birthday is set once, so only a real calendar day in the past is accepted."""
        if value is not None:
            members.valid_birthday(value, members.local_date(now()))
        return value


class LoginUser(BaseModel):
    """Who logged in."""

    id: str
    is_new: bool


class LoginResult(BaseModel):
    """Our session token for the shopper."""

    token: str
    expires_at: int
    user: LoginUser


class Profile(BaseModel):
    """The shopper's own profile."""

    id: str
    nickname: str
    avatar_url: str
    birthday: Optional[str] = None
    phone: Optional[str] = None
    created_at: str
