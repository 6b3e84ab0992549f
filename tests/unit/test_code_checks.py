"""The tax code and container checks decide what python-stdnum decides (they only skip its per-character
cleaning of values already in their compact ASCII form)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum import iso6346
from stdnum.vn import mst

from assigner.schemas import codes

tax_codes = st.from_regex(r"\A[0-9]{10}(-[0-9]{3})?\Z") | st.text("0123456789-", max_size=15)
containers = (
    st.from_regex(r"\A[A-Z]{3}[UJZR][0-9]{7}\Z")
    | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcuz0123456789 \u0661", max_size=14)
    | st.builds(lambda n: n[:10] + str(int(iso6346.calc_check_digit(n[:10]))), st.from_regex(r"\A[A-Z]{3}U[0-9]{7}\Z"))
)


def stdnum_tax_code(value: str) -> bool:
    return bool(codes.TAX_CODE.match(value)) and mst.is_valid(value)


def stdnum_container(value: str) -> str | None:
    compact = iso6346.compact(value)
    return compact if iso6346.is_valid(compact) else None


def ours(check: Callable[[str], str], value: str) -> str | None:
    try:
        return check(value)
    except ValueError:
        return None


class TestCodeChecks:
    @given(tax_codes)
    @example("0314409058")
    @example("0314409058-002")
    @example("0300000008")  # a zero serial
    @example("0314409058-000")  # a zero branch
    @example("0314409059")  # a wrong check digit
    def test_a_tax_code_is_valid_when_stdnum_says_so(self, value: str) -> None:
        assert (ours(codes.check_tax_code, value) is not None) == stdnum_tax_code(value)

    @given(containers)
    @example("CSQU3054383")
    @example("CSQU3054384")
    @example("csqu3054383")
    @example("CSQU 305438 3")
    @example("CSQR3054383")
    def test_a_container_number_is_valid_and_compacted_as_stdnum_says(self, value: str) -> None:
        assert ours(codes.check_container, value) == stdnum_container(value)

    @pytest.mark.parametrize("value", ["CSQU3054384", "0314409059"])
    def test_a_refusal_names_the_value(self, value: str) -> None:
        check = codes.check_container if value[0].isalpha() else codes.check_tax_code
        with pytest.raises(ValueError, match=value):
            check(value)
