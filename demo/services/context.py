"""What every demo phase shares: the size, the seeded random streams, the clock and the writer."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from demo.services.clock import Clock
from demo.services.sizes import DemoSize
from demo.services.writer import RowWriter


@dataclass
class DemoContext:
    """What each phase needs besides the results of earlier phases, which the builder passes."""

    size: DemoSize
    seed: int
    clock: Clock
    writer: RowWriter
    log: Callable[[str], None]

    def rng(self, stream: str) -> np.random.Generator:
        """A NumPy generator of its own per named stream, so phases never shift each other's draws."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def random(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")
