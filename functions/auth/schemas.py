"""Request bodies of the auth capability."""
from typing import Optional

from pydantic import BaseModel, Field

from crowdcart.api.schemas import Id, Strict


class Login(Strict):
    """POST /v1/auth/login."""

    shop_id: Id
    code: str = Field(..., min_length=1, max_length=128)


class ProfileUpdate(Strict):
    """PATCH /v1/me: what a shopper may change about themselves."""

    nickname: Optional[str] = Field(None, max_length=40)
    avatar_url: Optional[str] = Field(None, pattern=r"^https://\S{1,500}$")
    birthday: Optional[str] = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    phone: Optional[str] = Field(None, pattern=r"^\+?\d{6,15}$")


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
