"""Every resource's models, in one place the migrations look at: a model not imported here is
invisible to them. A new resource adds one line. This list is the team's: a resource an option
brings (auth's users) registers itself in its own folder (`users/registry.py`)."""

from .items.models import Item as Item
