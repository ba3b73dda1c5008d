"""The orders table."""

from tortoise import fields
from tortoise.models import Model

from ..items.models import Item


class Order(Model):
    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[Item] = fields.ForeignKeyField(
        "models.Item", related_name="orders", on_delete=fields.RESTRICT
    )
    item_id: int
    quantity = fields.IntField()
    status = fields.CharField(max_length=20)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "orders"
