"""Who sent a command: a signature header, whatever a sender puts in it, is right or simply wrong."""

from __future__ import annotations

import pytest

from assigner.domain.authentication import Claims, Proof, Unauthenticated, authenticate, is_signed_by, sign

KEY = "k" * 43
BODY = b'{"command_id":"c1","command":"complete","issued_by":"sup","issued_at":"2025-06-02T09:00:00+07:00"}'
HEADER = "x-assigner-signature"
CLAIMS = Claims("c1", "complete", "sup", True)


class TestIsSignedBy:
    def test_the_bodys_signature_under_the_key_is_right(self) -> None:
        assert is_signed_by(BODY, sign(BODY, KEY), KEY)
        assert is_signed_by(BODY, f"  {sign(BODY, KEY)}\n", KEY)
        assert is_signed_by(BODY, sign(BODY, KEY).encode(), KEY)

    def test_another_key_or_body_is_wrong(self) -> None:
        assert not is_signed_by(BODY, sign(BODY, "other"), KEY)
        assert not is_signed_by(BODY + b" ", sign(BODY, KEY), KEY)

    @pytest.mark.parametrize(
        "signature",
        [
            "sha256=é" + "0" * 63,
            "sha256=Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
            "\u00ff" * 71,
            "sha256=\ud800",
            "\x00",
            "sha256=\x00" + "0" * 63,
            "",
            "\U0001f600",
        ],
    )
    def test_non_ascii_or_nul_text_is_a_wrong_signature_not_an_error(self, signature: str) -> None:
        assert is_signed_by(BODY, signature, KEY) is False

    def test_a_right_signature_with_a_nul_appended_is_wrong(self) -> None:
        assert is_signed_by(BODY, sign(BODY, KEY) + "\x00", KEY) is False

    @pytest.mark.parametrize(
        "signature",
        [7, 7.5, None, True, b"\xff\x00", bytearray(b"sha256="), [sign(BODY, KEY)], {"sha256": "x"}, ("a",)],
    )
    def test_a_value_that_is_no_text_is_a_wrong_signature(self, signature: object) -> None:
        assert is_signed_by(BODY, signature, KEY) is False


class TestAuthenticate:
    def test_a_signed_command_is_its_issuers(self) -> None:
        proof = Proof(signature=sign(BODY, KEY))
        assert authenticate(CLAIMS, BODY, proof, {"sup": KEY}, HEADER) == "sup"

    @pytest.mark.parametrize("signature", ["sha256=ü", "\x00", str(["sha256=x"]), str(b"\xff"), str(12)])
    def test_any_header_text_is_a_bad_signature(self, signature: str) -> None:
        with pytest.raises(Unauthenticated, match="bad signature: not made with the key of 'sup'"):
            authenticate(CLAIMS, BODY, Proof(signature=signature), {"sup": KEY}, HEADER)
