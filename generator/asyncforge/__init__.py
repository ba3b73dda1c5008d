"""asyncforge: renders async FastAPI services from the Copier template in this repository."""

from importlib.metadata import version

__version__ = version("asyncforge")
