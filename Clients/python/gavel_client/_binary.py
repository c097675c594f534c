"""The ``gavel`` executable: the one the wheel carries, or one named by ``$GAVEL_BINARY``.

The wheel (``Scripts/build-wheel``) puts the release binary at ``gavel_client/_bin/gavel``, beside
the shared libraries ``auditwheel`` bundled for it; the ``gavel`` command a ``pip install`` puts on
the venv's PATH is ``main`` below, which replaces itself with that binary (same process id, so
signals reach it directly).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn, Optional

_BUNDLED = Path(__file__).resolve().parent / "_bin" / "gavel"


def bundled_binary() -> Optional[Path]:
    """The binary inside this installed package, if it was installed from the wheel."""
    return _BUNDLED if os.access(_BUNDLED, os.X_OK) else None


def gavel_binary(explicit: Optional[str] = None) -> str:
    """The ``gavel`` to run: ``explicit``, else ``$GAVEL_BINARY``, else the wheel's own.

    Raises ``FileNotFoundError`` saying how to get one when there is none (a source install of the
    client carries no binary).
    """
    for candidate, source in ((explicit, "binary="), (os.environ.get("GAVEL_BINARY"), "$GAVEL_BINARY")):
        if candidate:
            if not os.access(candidate, os.X_OK):
                raise FileNotFoundError(f"{source} {candidate}: not an executable file")
            return candidate
    bundled = bundled_binary()
    if bundled is None:
        raise FileNotFoundError(
            "this gavel_client has no gavel binary (installed from source, not from the wheel): "
            "install the wheel Scripts/build-wheel makes, or set GAVEL_BINARY to a built gavel "
            "(swift build -c release: .build/release/gavel)"
        )
    return str(bundled)


def main() -> NoReturn:
    """The ``gavel`` command: runs the wheel's binary with the same arguments."""
    try:
        binary = gavel_binary()
    except FileNotFoundError as e:
        print(f"gavel: {e}", file=sys.stderr)
        raise SystemExit(127)
    os.execv(binary, [binary, *sys.argv[1:]])
