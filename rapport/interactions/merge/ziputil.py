"""A small deterministic zip writer: fixed timestamps, given entry order, deflate level 6.

Unchanged parts of a template are compressed once and copied as they are into every merged
document; only the rendered parts are compressed per document.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_LEVEL = 6


@dataclass(frozen=True, slots=True)
class ZipEntry:
    name: bytes
    flags: int
    crc: int
    compressed: bytes
    size: int


def make_entry(name: str, data: bytes) -> ZipEntry:
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    compressed = compressor.compress(data) + compressor.flush()
    try:
        encoded = name.encode("ascii")
        flags = 0
    except UnicodeEncodeError:
        encoded = name.encode("utf-8")
        flags = 0x800
    return ZipEntry(encoded, flags, zlib.crc32(data), compressed, len(data))


def write_zip(entries: list[ZipEntry]) -> bytes:
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for entry in entries:
        header = struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            entry.flags,
            8,
            _DOS_TIME,
            _DOS_DATE,
            entry.crc,
            len(entry.compressed),
            entry.size,
            len(entry.name),
            0,
        )
        central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                entry.flags,
                8,
                _DOS_TIME,
                _DOS_DATE,
                entry.crc,
                len(entry.compressed),
                entry.size,
                len(entry.name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + entry.name
        )
        out.append(header)
        out.append(entry.name)
        out.append(entry.compressed)
        offset += len(header) + len(entry.name) + len(entry.compressed)
    directory = b"".join(central)
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0
    )
    return b"".join(out) + directory + end
