"""Find the catalogue model and the location a row names; ``Catalogue`` loads the indexes once.

Models: the text is compared (case and spacing ignored) with each model's name, then with the
names Google reports for it (``google_names``), then with its model codes. Several models can
share a Google name ("Acer Chromebook 311" is the C721, C722 and C733): the device's own AUE date
picks the one whose AUE month it falls in, and an existing device keeps its model when that model
is among the candidates. Anything still open is reported as ambiguous with the candidates.

Locations, tried in this order, first hit wins: the location text as a code, as a name, as a name
with "Elementary/Middle/High School" shortened to ES/MS/HS (as in the district's org units); the
same for the part before " / " ("Clarksburg ES / Cart 3"); then the same for the last segment of
the org unit path. A key two locations share matches neither.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from fleet.choices import ImportMappingKind
from fleet.domain import variants
from fleet.models import DeviceModel, ImportMapping, Location, Manufacturer

SHORT_SUFFIX = {"elementary school": "es", "middle school": "ms", "high school": "hs"}


def text_key(value: str) -> str:
    return " ".join(value.casefold().split())


def short_key(value: str) -> str:
    key = text_key(value)
    for long, short in SHORT_SUFFIX.items():
        key = key.replace(long, short)
    return key


@dataclass(frozen=True)
class ModelMatch:
    model: DeviceModel | None
    candidates: tuple[DeviceModel, ...]

    @property
    def manufacturer_id(self) -> int | None:
        if self.model is not None:
            return self.model.manufacturer_id
        makers = {candidate.manufacturer_id for candidate in self.candidates}
        return makers.pop() if len(makers) == 1 else None

    def candidate_names(self) -> str:
        return "; ".join(candidate.name for candidate in self.candidates)


class ModelIndex:
    def __init__(self, models: Iterable[DeviceModel], mapped: dict[str, int] | None = None) -> None:
        self.by_id: dict[int, DeviceModel] = {}
        self.variants: dict[int, variants.Variant] = {}
        self.tiers: tuple[dict[str, list[DeviceModel]], ...] = ({}, {}, {})
        self.codes: list[tuple[str, DeviceModel]] = []
        for model in models:
            self.by_id[model.pk] = model
            self.variants[model.pk] = variants.variant_of(
                key=model.pk,
                name=model.name,
                board_codename=model.board_codename,
                model_codes=model.model_codes,
                aue_month=model.aue_month,
            )
            self.tiers[0].setdefault(text_key(model.name), []).append(model)
            for name in model.google_names.splitlines():
                if name.strip():
                    self.tiers[1].setdefault(text_key(name), []).append(model)
            for code in model.model_codes.split("|"):
                if code.strip():
                    self.codes.append((text_key(code), model))
        self.mapped = {key: self.by_id[pk] for key, pk in (mapped or {}).items() if pk in self.by_id}
        self._cache: dict[tuple[str, int | None, tuple[int, int] | None], ModelMatch] = {}

    def match(self, text: str, *, manufacturer: Manufacturer | None, aue: dt.date | None) -> ModelMatch:
        month = (aue.year, aue.month) if aue else None
        key = (text_key(text), manufacturer.pk if manufacturer else None, month)
        if key not in self._cache:
            self._cache[key] = self._match(key[0], manufacturer, month)
        return self._cache[key]

    def _match(
        self, text: str, manufacturer: Manufacturer | None, month: tuple[int, int] | None
    ) -> ModelMatch:
        texts = [text]
        if manufacturer is not None and not text.startswith(text_key(manufacturer.name)):
            texts.append(f"{text_key(manufacturer.name)} {text}")
        candidates: list[DeviceModel] = []
        for tier in self.tiers[:2]:
            candidates = [model for value in texts for model in tier.get(value, [])]
            if candidates:
                break
        else:
            # A model code as a word of the text: "Latitude 3140", "Acer Chromebook 311 C733".
            padded = f" {text} "
            candidates = [model for code, model in self.codes if f" {code} " in padded]
        if not candidates and text in self.mapped:
            candidates = [self.mapped[text]]
        if manufacturer is not None:
            candidates = [model for model in candidates if model.manufacturer_id == manufacturer.pk]
        candidates = list(dict.fromkeys(candidates))
        if len(candidates) > 1 and month is not None:
            same_month = [
                model
                for model in candidates
                if model.aue_month and (model.aue_month.year, model.aue_month.month) == month
            ]
            if same_month:
                candidates = same_month
        if len(candidates) == 1:
            return ModelMatch(model=candidates[0], candidates=tuple(candidates))
        return ModelMatch(model=None, candidates=tuple(candidates))

    def resolve(self, match: ModelMatch, clues: variants.RowClues) -> ModelMatch:
        """The match narrowed by the row's other clues; unchanged when it was already one model."""
        if match.model is not None or len(match.candidates) < 2:
            return match
        left = variants.resolve_variants([self.variants[model.pk] for model in match.candidates], clues)
        models = tuple(self.by_id[variant.key] for variant in left)
        return ModelMatch(model=models[0] if len(models) == 1 else None, candidates=models)


class ManufacturerIndex:
    def __init__(self, manufacturers: Iterable[Manufacturer]) -> None:
        self.by_id = {maker.pk: maker for maker in manufacturers}
        self.by_name = {text_key(maker.name): maker for maker in self.by_id.values()}
        self.patterns = {
            maker.pk: re.compile(maker.serial_regex) if maker.serial_regex else None
            for maker in self.by_id.values()
        }

    def get(self, name: str) -> Manufacturer | None:
        return self.by_name.get(text_key(name))

    def serial_ok(self, manufacturer_id: int, serial: str) -> bool:
        pattern = self.patterns[manufacturer_id]
        return len(serial) <= 40 and (pattern is None or pattern.fullmatch(serial) is not None)


class LocationIndex:
    def __init__(self, locations: Iterable[Location], mapped: dict[str, int] | None = None) -> None:
        self.by_id: dict[int, Location] = {}
        keys: list[dict[str, set[int]]] = [{}, {}, {}]
        for location in locations:
            self.by_id[location.pk] = location
            keys[0].setdefault(text_key(location.code), set()).add(location.pk)
            keys[1].setdefault(text_key(location.name), set()).add(location.pk)
            keys[2].setdefault(short_key(location.name), set()).add(location.pk)
        self.keys = [{key: ids.pop() for key, ids in tier.items() if len(ids) == 1} for tier in keys]
        self.mapped = {key: pk for key, pk in (mapped or {}).items() if pk in self.by_id}
        self._cache: dict[tuple[str, str], int | None] = {}

    def match(self, text: str, org_unit_path: str) -> int | None:
        """The id of the location the row names, or None."""
        key = (text, org_unit_path)
        if key not in self._cache:
            self._cache[key] = self._match(text, org_unit_path)
        return self._cache[key]

    def _match(self, text: str, org_unit_path: str) -> int | None:
        tries = [text]
        if " / " in text:
            tries.append(text.split(" / ", 1)[0])
        segment = org_unit_path.rstrip("/").rpartition("/")[2]
        if segment:
            tries.append(segment)
        for value in tries:
            if not value.strip():
                continue
            for tier, key in zip(
                self.keys, (text_key(value), text_key(value), short_key(value)), strict=True
            ):
                if key in tier:
                    return tier[key]
        for value in (text, org_unit_path):
            if value.strip() and text_key(value) in self.mapped:
                return self.mapped[text_key(value)]
        return None


@dataclass
class Catalogue:
    """Makers, models and locations, read once per import."""

    makers: ManufacturerIndex
    models: ModelIndex
    locations: LocationIndex

    @classmethod
    def load(cls) -> Catalogue:
        mapped: dict[str, dict[str, int]] = {kind: {} for kind in ImportMappingKind}
        rows = ImportMapping.objects.values_list("kind", "key_normalised", "location_id", "device_model_id")
        for kind, key, location_id, model_id in rows:
            mapped[kind][key] = location_id or model_id
        return cls(
            makers=ManufacturerIndex(Manufacturer.objects.all()),
            models=ModelIndex(DeviceModel.objects.all(), mapped[ImportMappingKind.MODEL]),
            locations=LocationIndex(Location.objects.all(), mapped[ImportMappingKind.LOCATION]),
        )
