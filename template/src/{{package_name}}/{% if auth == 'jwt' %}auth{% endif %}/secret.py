"""The key that signs access tokens. A service refuses to start without a strong one, except on
the zero-setup embedded default (a SQLite database), where a key is generated once into
`.auth-secret-key` beside the database file, which git ignores."""

import os
import secrets
import tempfile
from pathlib import Path

from ..settings import Settings

KEY_FILE = ".auth-secret-key"
MIN_BYTES = 32
MIN_DISTINCT = 10
HOW = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'


class WeakSecretKey(RuntimeError):
    """The service cannot sign tokens safely with the configured key."""


def signing_key(settings: Settings) -> str:
    configured = settings.auth_secret_key
    if configured is not None:
        key = configured.get_secret_value()
        if len(key.encode()) < MIN_BYTES or len(set(key)) < MIN_DISTINCT:
            raise WeakSecretKey(
                f"AUTH_SECRET_KEY is too weak: use at least {MIN_BYTES} random bytes; {HOW}"
            )
        return key
    database = _sqlite_file(settings.database_url)
    if database is None:
        raise WeakSecretKey(f"AUTH_SECRET_KEY is not set; {HOW}")
    return _generated_beside(database)


def _sqlite_file(database_url: str) -> Path | None:
    scheme, _, rest = database_url.partition("://")
    if not scheme.startswith("sqlite"):
        return None
    path = rest.removeprefix("/")
    return None if not path or path.startswith(":memory:") else Path(path)


def _generated_beside(database: Path) -> str:
    key_file = database.parent / KEY_FILE
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a worker starting beside
        # this one reads either no file or the whole key, and the first link wins.
        with tempfile.NamedTemporaryFile("w", dir=key_file.parent, delete=False) as written:
            written.write(secrets.token_urlsafe(48) + "\n")  # mode 0600
        try:
            os.link(written.name, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(written.name)
    return key_file.read_text().strip()
