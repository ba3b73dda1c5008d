"""The generator's one kind of failure meant for the person at the terminal."""

import sys


class GeneratorError(Exception):
    """A failure with a message meant for the person at the terminal."""


def warn(message: str) -> None:
    print(f"asyncforge: warning: {' '.join(message.split())}", file=sys.stderr)
