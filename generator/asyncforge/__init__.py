"""asyncforge: renders async FastAPI services from the Copier template in this repository."""

__version__ = "0.2.0"
