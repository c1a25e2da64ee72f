"""Avro binary encoding of whole arrays at once (numpy in, bytes out, and back).

An Avro ``long``/``int`` is a zig-zag varint, a ``double`` 8 little-endian bytes,
a ``string`` a long length then UTF-8, and an array is blocks of (count, items)
ended by a zero count. fastavro writes one block holding every item; these
functions write the same bytes, computing each byte position of a column at once
instead of looping over items.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from schemas import SchemaError

Longs = NDArray[np.int64]
Doubles = NDArray[np.float64]
Bytes = NDArray[np.uint8]
MAX_VARINT = 10  # a 64-bit zig-zag varint takes at most 10 bytes
_SEVEN = np.arange(MAX_VARINT, dtype=np.uint64) * np.uint64(7)
_THRESHOLDS = np.uint64(1) << _SEVEN[1:]


def zigzag(values: Longs) -> NDArray[np.uint64]:
    """Avro's zig-zag map: small magnitudes, either sign, become small unsigned."""
    return ((values << 1) ^ (values >> 63)).view(np.uint64)


def unzigzag(raw: NDArray[np.uint64]) -> Longs:
    """The inverse of :func:`zigzag`."""
    return (raw >> np.uint64(1)).view(np.int64) ^ -(raw & np.uint64(1)).view(np.int64)


def _groups(raw: NDArray[np.uint64]) -> tuple[Longs, Bytes]:
    """Each value's varint width and its 7-bit groups, one row per value (bytes
    past a value's width are left in the row; callers mask them out)."""
    width = max(1, (int(raw.max()).bit_length() + 6) // 7) if raw.size else 1
    widths = 1 + (raw[:, None] >= _THRESHOLDS[: width - 1]).sum(axis=1, dtype=np.int64)
    groups = ((raw[:, None] >> _SEVEN[:width]) & np.uint64(0x7F)).astype(np.uint8)
    groups[np.arange(width) < widths[:, None] - 1] |= 0x80
    return widths, groups


def varints(values: Longs) -> bytes:
    """The zig-zag varints of ``values``, back to back."""
    raw = zigzag(values)
    if not (raw >> np.uint64(7)).any():  # every value fits one byte
        return raw.astype(np.uint8).tobytes()
    widths, groups = _groups(raw)
    return groups[np.arange(groups.shape[1]) < widths[:, None]].tobytes()


def long_bytes(value: int) -> bytes:
    """One Avro ``long`` (a scalar: plain Python beats numpy's call overhead)."""
    raw = (value << 1) ^ (value >> 63)
    out = bytearray()
    while raw > 0x7F:
        out.append((raw & 0x7F) | 0x80)
        raw >>= 7
    out.append(raw)
    return bytes(out)


def string_bytes(text: str) -> bytes:
    """One Avro ``string``."""
    data = text.encode()
    return long_bytes(len(data)) + data


def _array(count: int, items: bytes) -> bytes:
    return long_bytes(count) + items + b"\x00" if count else b"\x00"


def long_array(values: Longs) -> bytes:
    """An Avro array of ``long`` (or ``int``: the same varints)."""
    return _array(values.size, varints(values))


def double_array(values: Doubles) -> bytes:
    """An Avro array of ``double``."""
    return _array(values.size, values.astype("<f8", copy=False).tobytes())


def string_array(values: Any) -> bytes:
    """An Avro array of ``string`` from an Arrow string array (no nulls)."""
    offsets, data = utf8_parts(values)
    lengths = np.diff(offsets)
    n = lengths.size
    if n and (lengths == lengths[0]).all():  # one length: a plain grid
        prefix = np.frombuffer(long_bytes(int(lengths[0])), np.uint8)
        grid = np.empty((n, prefix.size + int(lengths[0])), dtype=np.uint8)
        grid[:, : prefix.size] = prefix
        grid[:, prefix.size :] = data.reshape(n, -1)
        return _array(n, grid.tobytes())
    widths, groups = _groups(zigzag(lengths))
    starts = np.cumsum(widths + lengths) - widths - lengths
    out = np.empty(int(widths.sum() + lengths.sum()), dtype=np.uint8)
    head = np.arange(groups.shape[1]) < widths[:, None]
    out[(starts[:, None] + np.arange(groups.shape[1]))[head]] = groups[head]
    shift = np.repeat(starts + widths - offsets[:-1], lengths)
    out[np.arange(data.size) + shift] = data
    return _array(lengths.size, out.tobytes())


def utf8_parts(values: Any) -> tuple[Longs, Bytes]:
    """An Arrow string array's offsets (from 0) and its UTF-8 bytes."""
    if values.null_count:
        raise SchemaError("a string column holds nulls")
    width: np.dtype[Any]
    if pa.types.is_large_string(values.type):
        width = np.dtype(np.int64)
    elif pa.types.is_string(values.type):
        width = np.dtype(np.int32)
    else:
        raise SchemaError(f"not a string column: {values.type}")
    _, offsets_buf, data_buf = values.buffers()
    n = len(values)
    at = values.offset * width.itemsize
    offsets = np.frombuffer(offsets_buf, width, n + 1, at).astype(np.int64)
    raw = np.frombuffer(data_buf, np.uint8) if data_buf is not None else _EMPTY
    return offsets - offsets[0], raw[offsets[0] : offsets[-1]]


_EMPTY: Bytes = np.zeros(0, dtype=np.uint8)


class Reader:
    """A cursor over an Avro body: scalars one by one, arrays a column at once."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.buf = np.frombuffer(body, np.uint8)
        self.pos = 0

    def long(self) -> int:
        """One ``long`` (or ``int``)."""
        value = shift = 0
        for width in range(MAX_VARINT):
            if self.pos + width >= len(self.body):
                raise SchemaError("the body ends inside a value")
            byte = self.body[self.pos + width]
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                self.pos += width + 1
                return (value >> 1) ^ -(value & 1)
        raise SchemaError("a varint longer than 10 bytes")

    def string(self) -> str:
        """One ``string``."""
        try:
            return self._utf8(self.long()).decode()
        except UnicodeDecodeError as ex:
            raise SchemaError(f"a string is not UTF-8: {ex}") from ex

    def longs(self) -> Longs:
        """An array of ``long`` (or ``int``)."""
        parts = [self._varints(n) for n in self._blocks()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def doubles(self) -> Doubles:
        """An array of ``double``."""
        parts = [self._doubles(n) for n in self._blocks()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)

    def strings(self) -> Any:
        """An array of ``string`` as an Arrow array, or None (the cursor then stays
        put) unless every string of each block has the same length: reading
        strings of mixed lengths needs one step per item, left to fastavro."""
        start = self.pos
        chunks = []
        for n in self._blocks():
            chunk = self._same_length_strings(n)
            if chunk is None:
                self.pos = start
                return None
            chunks.append(chunk)
        return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())

    def _utf8(self, size: int) -> bytes:
        if size < 0 or self.pos + size > self.buf.size:
            raise SchemaError("a string runs past the body")
        self.pos += size
        return self.body[self.pos - size : self.pos]

    def _blocks(self) -> Iterator[int]:
        """Each block's item count, read as the items before it are consumed."""
        while (count := self.long()) != 0:
            if count < 0:  # a negative count is followed by the block's byte size
                self.long()
                count = -count
            yield count

    def _varints(self, n: int) -> Longs:
        window = self.buf[self.pos : self.pos + MAX_VARINT * n]
        if window.size >= n and (window[:n] < 0x80).all():  # one byte each
            self.pos += n
            return unzigzag(window[:n].astype(np.uint64))
        ends = np.flatnonzero(window < 0x80)[:n]
        if ends.size < n:
            raise SchemaError("the body ends inside an array")
        starts = np.empty(n, dtype=np.int64)
        starts[0], starts[1:] = 0, ends[:-1] + 1
        widths = ends - starts + 1
        if widths.max() > MAX_VARINT:
            raise SchemaError("a varint longer than 10 bytes")
        size = int(ends[-1]) + 1
        # Each byte's 7 bits, shifted by its place in its varint, OR-ed per varint.
        place = np.arange(size) - np.repeat(starts, widths)
        bits = (window[:size] & 0x7F).astype(np.uint64) << _SEVEN[place]
        self.pos += size
        return unzigzag(np.bitwise_or.reduceat(bits, starts))

    def _doubles(self, n: int) -> Doubles:
        if self.pos + 8 * n > self.buf.size:
            raise SchemaError("the body ends inside an array")
        values = np.frombuffer(self.body, "<f8", n, self.pos).astype(np.float64)
        self.pos += 8 * n
        return values

    def _same_length_strings(self, n: int) -> Any:
        at = self.pos
        size = self.long()
        width = self.pos - at
        stride = width + size
        grid = self.buf[at : at + n * stride]
        if size < 0 or grid.size < n * stride:
            return None
        grid = grid.reshape(n, stride)
        if not (grid[:, :width] == grid[0, :width]).all():
            return None
        self.pos = at + n * stride
        data = np.ascontiguousarray(grid[:, width:])
        offsets = np.arange(n + 1, dtype=np.int32) * np.int32(size)
        strings = pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets), pa.py_buffer(data)
        )
        try:
            strings.validate(full=True)  # UTF-8
        except pa.ArrowInvalid as ex:
            raise SchemaError(f"a string is not UTF-8: {ex}") from ex
        return strings
