"""Every resource's models, in one place the migrations look at: a model not imported here is
invisible to them."""

from .items.models import Item

__all__ = ["Item"]
