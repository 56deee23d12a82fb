"""Task functions for tests/test_pool.py: they must be importable by
worker processes, so they live in a module, not in the test file."""

from __future__ import annotations

import os
import time

from search.model import ExtractionError


def echo(x):
    return x


def square(x):
    return x * x


def sleep_forever(_x):
    while True:
        time.sleep(1)


def sleep_for(seconds):
    time.sleep(seconds)
    return seconds


def allocate_10gb(_x):
    block = bytearray(10 * 1024**3)
    return len(block)


def abort(_x):
    os.abort()


def exit3(_x):
    os._exit(3)


def raise_value_error(x):
    raise ValueError(f"bad value {x!r}\nsecond line")


def raise_extraction_error(_x):
    raise ExtractionError("encrypted", "encrypted: a password is required")


def large_result(n):
    return "x" * n


def unpicklable_result(_x):
    return lambda: None


def dispatch(arg):
    """(name, value) → the named function, so one pool can mix behaviours."""
    name, value = arg
    return globals()[name](value)


_initialized = []


def init_marker():
    _initialized.append(os.getpid())


def initialized(_x):
    return bool(_initialized)


def failing_init():
    raise RuntimeError("no model")


def pid(_x):
    return os.getpid()
