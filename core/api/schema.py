"""OpenAPI schema generation tuned to the codebase's conventions."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

NESTED_SERIALIZER_NAMES = ("InputSerializer", "OutputSerializer")


class AutoSchema(SpectacularAutoSchema):
    """Name nested ``InputSerializer``/``OutputSerializer`` components after their API class.

    STYLE.md nests one ``InputSerializer`` per operation class; without this every one of them
    would claim the component name "Input" and overwrite the others in the schema.
    """

    def get_serializer_name(self, serializer: Any, direction: Literal["request", "response"]) -> str:
        name = super().get_serializer_name(serializer, direction)
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        if cls.__name__ in NESTED_SERIALIZER_NAMES and "." in cls.__qualname__:
            owner = cls.__qualname__.split(".")[-2].removesuffix("Api")
            return f"{owner}{name}"
        return name
