"""Rapport's WSGI app under cProfile, for `bench/load.py --profile DIR`.

Each gunicorn worker profiles every request it serves and writes DIR/<pid>.prof when it exits
(and every 500 requests, so a killed worker still leaves a profile). Read them with
`python -m pstats` or let bench/load.py print the top functions.
"""

from __future__ import annotations

import atexit
import cProfile
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rapport.wsgi import application as rapport_application

_profile = cProfile.Profile()
_served = 0
_dir = Path(os.environ["RAPPORT_PROFILE_DIR"])


def _dump() -> None:
    _profile.dump_stats(str(_dir / f"{os.getpid()}.prof"))


atexit.register(_dump)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    global _served
    _profile.enable()
    try:
        # Read the whole body inside the profile: rendering may be lazy.
        return [b"".join(rapport_application(environ, start_response))]
    finally:
        _profile.disable()
        _served += 1
        if _served % 500 == 0:
            _dump()
