"""asyncforge: renders async FastAPI services from the Copier template in this repository."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("asyncforge")
except PackageNotFoundError:  # imported from a checkout without being installed
    __version__ = "0+unknown"
