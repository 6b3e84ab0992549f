"""Frames read in chunks are the frames sent, however the socket splits them and wherever a read times out."""

from __future__ import annotations

import struct

from amqp.transport import TCPTransport
from hypothesis import given
from hypothesis import strategies as st

from assigner.broker.read_ahead import ReadAhead

FRAME_END = b"\xce"


def frame(kind: int, channel: int, payload: bytes) -> bytes:
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + FRAME_END


class Socket:
    """Hands out the bytes in the pieces given; None in the pieces is a timeout."""

    def __init__(self, pieces: list[bytes | None]) -> None:
        self.pieces = pieces
        self.calls = 0

    def recv(self, size: int) -> bytes:
        self.calls += 1
        piece = self.pieces.pop(0)
        if piece is None:
            raise TimeoutError("timed out")
        if len(piece) > size:
            self.pieces.insert(0, piece[size:])
        return piece[:size]


def transport_on(sock: Socket) -> TCPTransport:
    transport = TCPTransport.__new__(TCPTransport)
    transport.sock = sock  # type: ignore[assignment]
    transport._read_buffer = b""
    transport.raise_on_initial_eintr = True
    transport.connected = True
    transport._read = ReadAhead(transport)  # type: ignore[method-assign]
    return transport


payloads = st.lists(st.tuples(st.integers(1, 3), st.integers(0, 5), st.binary(max_size=300)), min_size=1, max_size=12)


@given(frames=payloads, cuts=st.lists(st.integers(1, 4000), max_size=30), timeouts=st.lists(st.booleans(), max_size=30))
def test_every_frame_comes_out_whole_and_in_order(
    frames: list[tuple[int, int, bytes]], cuts: list[int], timeouts: list[bool]
) -> None:
    sent = b"".join(frame(*f) for f in frames)
    pieces: list[bytes | None] = []
    at = 0
    for cut, timeout in zip(cuts, timeouts + [False] * len(cuts)):
        if timeout:
            pieces.append(None)
        pieces.append(sent[at : at + cut])
        at += cut
    pieces.append(sent[at:])
    transport = transport_on(Socket([p for p in pieces if p != b""]))
    read = []
    while len(read) < len(frames):
        try:
            read.append(transport.read_frame())
        except TimeoutError:
            continue  # a timeout mid-frame: the next read goes on where it was
    assert [(kind, channel, bytes(payload)) for kind, channel, payload in read] == frames


def test_a_backlog_is_read_in_a_few_system_calls() -> None:
    frames = [frame(1, 1, b"m" * 40), frame(2, 1, b"h" * 20), frame(3, 1, b"b" * 200)] * 100
    sock = Socket([b"".join(frames)])
    transport = transport_on(sock)
    for _ in frames:
        transport.read_frame()
    assert sock.calls == 1  # py-amqp's own reading: two per frame, 600
