"""Create the items table and Aerich's own, in the SQL of the database being migrated.

Aerich writes a migration's SQL for the database it was generated on; this first one carries both
dialects the service supports. Later `aerich migrate` runs write single-dialect files: generate
them against the database you deploy (PostgreSQL).
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SCHEMA_BY_DIALECT = {
    "postgres": """
    CREATE TABLE IF NOT EXISTS "items" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "name" VARCHAR(200) NOT NULL UNIQUE,
        "description" TEXT,
        "price" DECIMAL(10,2) NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL,
        "processed_at" TIMESTAMPTZ
    );
    CREATE TABLE IF NOT EXISTS "aerich" (
        "id" SERIAL NOT NULL PRIMARY KEY,
        "version" VARCHAR(255) NOT NULL,
        "app" VARCHAR(100) NOT NULL,
        "content" JSONB NOT NULL
    );
""",
    "sqlite": """
    CREATE TABLE IF NOT EXISTS "items" (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        "name" VARCHAR(200) NOT NULL UNIQUE,
        "description" TEXT,
        "price" VARCHAR(40) NOT NULL,
        "created_at" TIMESTAMP NOT NULL,
        "processed_at" TIMESTAMP
    );
    CREATE TABLE IF NOT EXISTS "aerich" (
        "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        "version" VARCHAR(255) NOT NULL,
        "app" VARCHAR(100) NOT NULL,
        "content" JSON NOT NULL
    );
""",
}


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SCHEMA_BY_DIALECT[db.capabilities.dialect]


async def downgrade(db: BaseDBAsyncClient) -> str:
    return 'DROP TABLE IF EXISTS "items";'


MODELS_STATE = (
    "eJztl21vmzAQx78K4lUmdVWTJW21dyzN1kxNMjVoqzpNlgMOsQo2BbM26vLd5zMQwBDUVt"
    "X6oL0K+d+dff756XxnBtwlfrw/FiQwPxp3JsMBkR8Vfc8wcRgWKggCL3zlSKWHUvAiFhF2"
    "hBSX2I+JlFwSOxENBeVMqizxfRC5Ix0p8wopYfQ6IUhwj4gViaTh5y8pU+aSWxLnf8MrtK"
    "TEdyt5Uhf6VjoS61BpYyY+K0fobYEc7icBK5zDtVhxtvWmTIDqEUYiLAg0L6IE0ofssmHm"
    "I0ozLVzSFEsxLlnixBel4S5QoZkITWc2mo9shMwHAHI4A7gy1ViN3oMU3ve6/aP+8YfD/r"
    "F0UWlulaNN2nUBJg1UeKa2uVF2LHDqoRgXUNVvDetwhaNmrrm/RlamrJPNOb5ctAG+RT5h"
    "nlgBz4ODFpDfrfPhqXXekV7voEsul3+6KaaZqZfagHZBt5xZDbJNbncsXi3sUawzklvUuU"
    "vButi6/wB2C1t7dGFDy0EcX/tlpJ2JdaFoB+vMcjabfsndS1MwPJt90siHEXUaFvYJcWiA"
    "/Wbs2xgNuJsG7WfBj1noL5f+yWg4nlhnne7BXk/BlqjlQV9e9P3aunYiAoNHWDQglhZBA9"
    "LMuBqpg85C9/OPV4jalAN0Z8xfZ3uwbeGPJ6O5bU2+VVb/iWWPwNKrrPxc7Rxq58+2EePH"
    "2D414K9xOZuOFF4eCy9SPRZ+9qUJOeFEcMT4DcJu6eDN1Zyatqe4Q+L4UfOuxz7BzL+iE+"
    "4FTXTOpDbTUHctr0pFAggL7Fzd4MhFNQvv8V2+dVPQC3QFM+ypSQKakGdWhlpEnsKrpgI1"
    "s7SWqLjw+V+jvpUa9TeJ4sYKaneZWgp5mkr1uW+Vaq06GNynVh0MdteqYKve6bCpHkA4c3"
    "+DdLv3egl0W14C3fpLQPYoCGu4Nr/OZ9MdpVIRot+W1BHGH8Once2seAW0W+ACjPangF71"
    "a5cfNABPgWe9zDZ/ARciic8="
)
