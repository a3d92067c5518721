"""Zip archives written while they are sent, never held whole in memory.

``zipfile`` writes into a ``Pipe``: a write-only buffer the generator empties after each
entry (or each block of a large entry). Without ``tell``/``seek`` zipfile writes data
descriptors after each entry instead of going back to patch headers, so the archive can be
produced front to back.
"""

import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime


class Pipe:
    """A file-like sink for ``zipfile`` whose contents are taken with ``drain()``."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def write(self, data: bytes) -> int:
        self._pending += data
        return len(data)

    def __len__(self) -> int:
        return len(self._pending)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = bytes(self._pending)
        self._pending.clear()
        return data


def zip_stream(entries: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """A zip of ``(name, chunks)`` entries, yielded as it is compressed."""
    pipe = Pipe()
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as entry:
                for chunk in chunks:
                    entry.write(chunk)
                    if len(pipe) >= 1 << 16:
                        yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()
