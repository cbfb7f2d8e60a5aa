"""OpenAPI schema generation tuned to the codebase's conventions."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

NESTED_SERIALIZER_NAMES = ("InputSerializer", "OutputSerializer")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# What core.api.exceptions answers for a refusal: ``{"detail": message}`` when no one input is at
# fault, else the input's messages under its name, as DRF's own validation does (a list input's
# errors by position, a nested input's by field).
_MESSAGES = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Why the request was refused: `detail` when no single input is at fault, otherwise the "
        'messages under the input they are about, e.g. `{"labour_minutes": ["…"]}`.'
    ),
    "properties": {"detail": {"type": "string"}, "non_field_errors": _MESSAGES},
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}
ERROR_RESPONSES = {
    "400": "A business rule or the input refused the request: nothing was written.",
    "409": "The data changed under the request (a stale version, the last unit taken): reload and retry.",
}


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

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        """The operation's own responses, plus the refusals it can answer with their bodies.

        Writes may answer 400 (a rule or the input refused) and 409 (a conflict); a list with
        filters answers 400 for a bad filter. A response an operation declares itself is kept,
        and given the error body when it declares none.
        """
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["400", "409"] if self.method in WRITE_METHODS else []
        if self.method == "GET" and getattr(self.view, "filterset_class", None) is not None:
            codes = ["400"]
        for code in codes:
            declared = responses.setdefault(code, {"description": ERROR_RESPONSES[code]})
            if "content" not in declared:
                declared["content"] = {
                    media_type: {"schema": self._error_component().ref}
                    for media_type in self.map_renderers("media_type")
                }
        return responses

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        return component
