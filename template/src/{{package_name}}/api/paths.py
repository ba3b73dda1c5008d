"""The one place the API's version prefix is written: every resource router starts with it."""

V1 = "/api/v1"
