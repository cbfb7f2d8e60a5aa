"""Test settings: the suite runs on SQLite unless DATABASE_URL points elsewhere."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test process keeps its own keys in a shared Redis: cache keys that carry a row's id (an
# import job's progress and cancel flag) would otherwise cross between the xdist workers' databases,
# whose ids repeat. API throttle counts in this process only, so each test starts from zero
# (tests/conftest.py).
CACHES = {
    **CACHES,  # noqa: F405
    "default": {
        **CACHES["default"],  # noqa: F405
        "KEY_PREFIX": f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}",
    },
    "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
