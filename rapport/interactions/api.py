"""Being written."""

from ninja import Router

router = Router(tags=["Interactions"])
