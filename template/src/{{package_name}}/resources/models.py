"""Every resource's models, in one place the migrations look at: a model not imported here is
invisible to them. A new resource adds one line."""

from .items.models import Item as Item
