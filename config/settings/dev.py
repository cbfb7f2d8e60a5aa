"""Local development: the README's demo command runs on these."""

from .base import *  # noqa: F403

DEBUG = True
