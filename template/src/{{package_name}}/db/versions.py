"""A row's version: a digest of what it reads as, its read schema's JSON, which is also the body a
read of it answers. It changes whenever anything a client can see of the row changes, and only
then, whichever database and ORM. The API sends it as the `ETag`; a write given the versions a
client saw (`If-Match`) is refused when the row is another version now (`PreconditionFailed`)."""

import base64
import hashlib

from pydantic import BaseModel


def version(body: bytes) -> str:
    """The version of a row that reads as `body`."""
    digest = hashlib.blake2b(body, digest_size=15).digest()
    return base64.urlsafe_b64encode(digest).decode()


def version_of(row: BaseModel) -> str:
    """As a read without `include=` answers it: what is embedded is not the row's."""
    return version(row.model_dump_json(exclude_unset=True).encode())
