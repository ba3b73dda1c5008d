"""The users resource's request and response shapes, the same for every data layer."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from ...api.fields import Schema, Timestamp, storable_text
from ...auth.roles import Role
from ...auth.tokens import LONGEST_RESET_TOKEN
from ...db.clock import utcnow

Email = Annotated[
    EmailStr,
    Field(max_length=320),
    AfterValidator(str.lower),  # one account per address, however it is capitalised
]
GivenRole = Annotated[Role, Field(strict=False)]  # its value, as JSON gives it
Password = Annotated[
    str,
    # Kept as typed, spaces included: sign-in compares what it is given.
    StringConstraints(strip_whitespace=False, min_length=8, max_length=1024),
    Field(description="8 to 1024 characters, kept as typed."),
    AfterValidator(storable_text),
]


class UserCreate(Schema):
    email: Email
    password: Password
    role: GivenRole = Role.MEMBER


class UserChange(Schema):
    """What an admin changes of another account; a field left out stays as it is."""

    is_active: bool | None = Field(
        default=None, description="`false` ends every sign-in of the account and refuses new ones."
    )
    role: GivenRole | None = None


class PasswordChange(Schema):
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Password


class PasswordResetRequest(Schema):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    """Any text: an address with no account is answered as one with an account."""


class PasswordReset(Schema):
    token: Annotated[str, Field(min_length=1, max_length=LONGEST_RESET_TOKEN)]
    new_password: Password


class PasswordResetSent(BaseModel):
    detail: str


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    is_active: bool
    role: str
    created_at: Timestamp
    updated_at: Timestamp


class UserRecord(UserRead):
    """A user as stored, with the password hash: never an answer."""

    password_hash: str


class UserPage(BaseModel):
    users: list[UserRead]
    total: int | None  # null past LIST_COUNT_LIMIT rows
    limit: int
    offset: int
    next_cursor: str | None


class RefreshTokenRecord(BaseModel):
    id: int
    user_id: int
    family: str
    expires_at: Timestamp
    used_at: Timestamp | None


class PasswordResetRecord(BaseModel):
    id: int
    user_id: int
    nonce: str
    expires_at: Timestamp
    sent_at: Timestamp | None
    used_at: Timestamp | None


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(Schema):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


def _in_the_future(value: datetime) -> datetime:
    if value <= utcnow():
        raise ValueError("must be in the future")
    return value


class ApiKeyCreate(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(storable_text)]
    expires_at: Annotated[Timestamp, AfterValidator(_in_the_future)] | None = Field(
        default=None, description="When the key stops working; null: when it is deleted."
    )


class ApiKeyRead(BaseModel):
    id: int
    name: str
    expires_at: Timestamp | None
    created_at: Timestamp


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key, shown this once: send it as `X-API-Key`.")


class ApiKeyRecord(ApiKeyRead):
    user_id: int


class ApiKeyPage(BaseModel):
    api_keys: list[ApiKeyRead]
    total: int | None  # null past LIST_COUNT_LIMIT rows
    limit: int
    offset: int
    next_cursor: str | None
