"""The orders' repository: the base's get, page, add, update and delete."""

from ...db.repository import Repository
from .models import Order
from .schemas import OrderRead


class OrderRepository(Repository[OrderRead]):
    model = Order
    schema = OrderRead
