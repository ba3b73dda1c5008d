"""`python -m <package>.wait_for_migrations`: returns once the database's schema is at the latest
migration, so that a new release's pods start serving only on the schema they were written for
(the Kubernetes API pods run it as their init container, after the migration Job).

Exits 1 when the schema is still behind after `--seconds` (default 300).
"""

import argparse
import asyncio
import logging
import sys

from ..observability.logs import configure_logging
from ..settings import get_settings
from . import Database
from .data import DatabaseUnavailable

logger = logging.getLogger(__name__)


async def wait(seconds: float, every: float = 2.0) -> bool:
    settings = get_settings()
    database = Database(settings)
    await database.connect()
    try:
        async with asyncio.timeout(seconds):
            while True:
                try:
                    pending = await database.pending_migrations()
                except DatabaseUnavailable as error:
                    pending = [str(error)]
                if not pending:
                    logger.info("the database schema is up to date")
                    return True
                logger.info("waiting for migrations: %s", ", ".join(pending))
                await asyncio.sleep(every)
    except TimeoutError:
        logger.error("the database schema is still behind after %s s", seconds)
        return False
    finally:
        await database.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300.0)
    options = parser.parse_args()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    sys.exit(0 if asyncio.run(wait(options.seconds)) else 1)


if __name__ == "__main__":
    main()
