"""The key that signs access tokens. A service refuses to start without a strong one, except on
the zero-setup embedded default (a SQLite database), where a key is generated once into
`.auth-secret-key` beside the database file, which git ignores."""

import itertools
import os
import secrets
import tempfile
from pathlib import Path

from ..settings import Settings

KEY_FILE = ".auth-secret-key"
MIN_BYTES = 32
MIN_DISTINCT = 16
PLACEHOLDERS = ("replace", "change", "example", "dev-only", "secret-key", "password")
"""Words of keys copied from documentation: a key that was published signs anyone's token."""
HOW = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'


class WeakSecretKey(RuntimeError):
    """The service cannot sign tokens safely with the configured key."""


def weakness(key: str) -> str | None:
    """Why `key` cannot be a random one, or `None`: too short, too few different characters,
    a run of neighbouring characters (`abcdef...`, `123456...`), or a placeholder's words."""
    if len(key.encode()) < MIN_BYTES:
        return f"it is shorter than {MIN_BYTES} bytes"
    if len(set(key)) < MIN_DISTINCT:
        return f"it has fewer than {MIN_DISTINCT} different characters"
    neighbours = sum(abs(ord(a) - ord(b)) <= 1 for a, b in itertools.pairwise(key))
    if neighbours * 4 > len(key):
        return "it runs through neighbouring characters"
    if any(word in key.lower() for word in PLACEHOLDERS):
        return "it is a placeholder from documentation"
    return None


def signing_key(settings: Settings) -> str:
    configured = settings.auth_secret_key
    if configured is not None:
        key = configured.get_secret_value()
        why = weakness(key)
        if why is not None:
            raise WeakSecretKey(f"AUTH_SECRET_KEY is too weak ({why}); {HOW}")
        return key
    database = _sqlite_file(settings.database_url)
    if database is None:
        raise WeakSecretKey(f"AUTH_SECRET_KEY is not set; {HOW}")
    key = _generated_beside(database)
    why = weakness(key)
    if why is not None:
        raise WeakSecretKey(
            f"{database.parent / KEY_FILE} holds a weak key ({why}); delete it and a strong one "
            "is generated at the next start"
        )
    return key


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
