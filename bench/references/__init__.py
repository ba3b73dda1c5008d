"""Reference services the bench measures the rendered ones against, in the same run. Each is
what a careful developer writes from the frameworks' tutorials, with the same API and JSON as
the rendered service, and runs in the rendered project's own environment (the same library
versions) under the same server configuration."""
