"""Reading AMQP frames from the socket in chunks, not a system call per frame part.

py-amqp reads each frame's 7-byte header and then its payload with a `recv` of their exact size: a message
(method, header and body frames) costs six system calls, and under a backlog the worker's receiving took a
third of its time. Installed on a connection, the reader takes what the socket holds, up to READ_BYTES, and
hands out frames from that until it needs more. The bytes and their order are the same; a timeout in the
middle of a frame gives back what was read (py-amqp puts it in front of its `_read_buffer`, read first here).
"""

from __future__ import annotations

import errno
from typing import Any

from kombu.connection import Connection

READ_BYTES = 65_536
RETRIED = (errno.EAGAIN, errno.EINTR)


class ReadAhead:
    """A py-amqp TCP transport's `_read`, reading ahead into a buffer of its own."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = bytearray()
        self.position = 0  # what is before it was handed out

    def __call__(self, n: int, initial: bool = False) -> bytes:
        """Exactly `n` bytes, as py-amqp's own `_read` returns them."""
        transport = self.transport
        if transport._read_buffer:  # given back by read_frame after a timeout: it comes first
            self.buffer[self.position : self.position] = transport._read_buffer
            transport._read_buffer = b""
        while len(self.buffer) - self.position < n:
            try:
                received = transport.sock.recv(READ_BYTES)
            except OSError as error:
                if error.errno in RETRIED:
                    if initial and transport.raise_on_initial_eintr:
                        raise TimeoutError() from error
                    continue
                raise
            if not received:
                raise OSError("Server unexpectedly closed connection")
            if self.position:
                del self.buffer[: self.position]
                self.position = 0
            self.buffer += received
        start = self.position
        self.position += n
        return bytes(self.buffer[start : self.position])


def read_ahead(connection: Connection) -> None:
    """Read this (connected) RabbitMQ connection's frames in chunks; no change on another transport."""
    transport = getattr(getattr(connection, "connection", None), "transport", None)
    if transport is not None and type(transport).__name__ == "TCPTransport":
        transport._read = ReadAhead(transport)
