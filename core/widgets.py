"""Form widgets shared by the apps."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

from django import forms
from django.utils.safestring import SafeString


class MemoSelect(forms.Select):
    """A select whose rendered HTML is remembered per process, keyed on everything it shows.

    A filter's 210-location dropdown costs a query (kept: the options must be current) and then
    ~5 ms of template rendering per request, the same HTML every time. The key is the field name,
    the selected value, the attributes and every (value, label) option, so a renamed or added
    location renders afresh; at most ``SIZE`` variants are kept.
    """

    SIZE = 256
    _memo: OrderedDict[int, SafeString] = OrderedDict()
    _lock = Lock()

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # One query for a model's options, kept for the render below rather than run again.
        # (A generator: list() of a ModelChoiceIterator would ask len(), a COUNT query, first.)
        # Assigned to ``self.choices`` only on a miss: the setter normalises every option again.
        choices = list(choice for choice in self.choices)
        options = tuple((str(choice), str(label)) for choice, label in choices)
        built = self.build_attrs(self.attrs, attrs)
        key = hash(
            (
                type(self),
                name,
                str(value),
                tuple(sorted(built.items())),
                options,
                self.is_required,
                type(renderer),
            )
        )
        with self._lock:
            html = self._memo.get(key)
            if html is not None:
                self._memo.move_to_end(key)
                return html
        self.choices = choices
        html = super().render(name, value, attrs, renderer)
        with self._lock:
            self._memo[key] = html
            while len(self._memo) > self.SIZE:
                self._memo.popitem(last=False)
        return html
