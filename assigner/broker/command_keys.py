"""Supervisors' command keys on the broker side: the signature header, new keys, the keys file.

The rule of who sent a command is the domain's (assigner.domain.authentication)."""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path

from assigner.domain.errors import InvalidInput

SIGNATURE_HEADER = "x-assigner-signature"


def new_key() -> str:
    """A fresh random key: 256 bits, hex."""
    return secrets.token_hex(32)


def load_keys(file: Path | None, extra: Mapping[str, str]) -> dict[str, str]:
    """Supervisors' keys: a TOML file of `"officer id" = "key"` lines, then those given (the environment)."""
    keys: dict[str, str] = {}
    if file is not None and file.is_file():
        try:
            table = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InvalidInput(f"command keys file {file}: {error}") from error
        for officer_id, key in table.items():
            if not isinstance(key, str) or len(key) < 32:
                raise InvalidInput(
                    f"command keys file {file}: the key of '{officer_id}' must be a string of 32+ characters"
                )
            keys[officer_id] = key
    keys.update(extra)
    return keys
