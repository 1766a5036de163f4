"""Tests of things counted in fixed windows of the clock (a minute's rate limit, a TOTP
code's 30 s) must not straddle a window's edge, or they fail now and then."""

from __future__ import annotations

import time


def clear_of_a_window_edge(period: float, margin: float = 2.0) -> None:
    """Wait out the last `margin` seconds of the current `period`-second window, so that
    what the test does next (within `margin` seconds) falls in one window."""
    while time.time() % period > period - margin:
        time.sleep(0.1)
