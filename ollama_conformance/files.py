"""Writing a file so that a reader never finds half of it (standard library only).

A run killed, or a disk filling up, while report.json, report.html or a cassette is written would
otherwise leave a truncated file where the previous complete one was. Every folder may import this
module (ARCHITECTURE.md, import rule 7).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """`data` into `path` through a temp file in the same folder, then os.replace (all or nothing).
    A symlink is written through (the link stays); a path that is no regular file (/dev/stdout,
    /dev/null, a FIFO) is written to directly: renaming over it would replace the device itself."""
    try:
        kind = os.stat(path).st_mode
    except FileNotFoundError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    if os.path.islink(path):
        path = Path(os.path.realpath(path))
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    # a new file: 0o666 less the umask, as open() gives (tempfile.mkstemp's 0o600 would hide a
    # report from the web server or CI artifact step that publishes it)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            if kind is not None:  # the file it replaces keeps its mode, as a write in place did
                os.fchmod(handle.fileno(), stat.S_IMODE(kind))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C included: the temp file goes, the previous file stays
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
