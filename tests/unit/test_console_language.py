"""The console's reader's language as plain logic: which language a browser asks for, and dates, times and
numbers written and read the reader's way, in the office's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from assigner.console.formats import (
    UnreadableTime,
    day_text,
    duration_text,
    moment_text,
    number_text,
    p_value_text,
    read_day,
    read_moment,
    share_text,
)
from assigner.console.language import accepted, load_languages

LANGUAGES = load_languages()
VI, EN = LANGUAGES["vi"], LANGUAGES["en"]
HANOI = "Asia/Ho_Chi_Minh"


class TestAcceptLanguage:
    def test_tags_come_most_wanted_first_and_refused_ones_are_left_out(self) -> None:
        assert accepted("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == ["fr-CH", "fr", "en", "de"]
        assert accepted("vi;q=0.2, en-GB;q=0.9, ja;q=0") == ["en-GB", "vi"]

    def test_equal_weights_keep_the_browsers_order_and_a_malformed_weight_refuses_its_tag(self) -> None:
        assert accepted("en, vi") == ["en", "vi"]
        assert accepted("en;q=abc, vi") == ["vi"]
        assert accepted("") == []


class TestWritten:
    def test_a_moment_is_written_in_the_offices_zone_the_readers_way(self) -> None:
        moment = datetime(2025, 6, 2, 14, 14, 5, tzinfo=UTC)
        assert moment_text(moment, HANOI, VI) == "02/06/2025 21:14"
        assert moment_text(moment, HANOI, VI, seconds=True) == "02/06/2025 21:14:05"
        assert moment_text(moment, HANOI, EN) == "2 Jun 2025 21:14"

    def test_a_day_a_number_and_a_share(self) -> None:
        assert (day_text(date(2025, 6, 2), VI), day_text(date(2025, 6, 2), EN)) == ("02/06/2025", "2 Jun 2025")
        assert (number_text(1234, VI), number_text(1234, EN)) == ("1.234", "1,234")
        assert (number_text(0.5, VI), number_text(0.5, EN)) == ("0,5", "0.5")
        assert (share_text(0.154, VI), share_text(0.154, EN)) == ("15,4%", "15.4%")

    def test_a_p_value_to_three_decimals_and_a_smaller_one_as_below_a_thousandth(self) -> None:
        assert (p_value_text(0.0423, VI), p_value_text(0.0423, EN)) == ("0,042", "0.042")
        assert (p_value_text(1.0, VI), p_value_text(0.001, EN)) == ("1,000", "0.001")
        assert (p_value_text(2.5e-10, VI), p_value_text(0.00099, EN)) == ("< 0,001", "< 0.001")

    @pytest.mark.parametrize(
        ("length", "vi", "en"),
        [
            (timedelta(hours=1, minutes=20, seconds=59), "1 giờ 20 phút", "1 h 20 min"),  # to the minute below
            (timedelta(minutes=5), "5 phút", "5 min"),
            (timedelta(hours=2), "2 giờ", "2 h"),
            (timedelta(days=2, hours=3, minutes=40), "2 ngày 3 giờ", "2 d 3 h"),  # its two largest parts
            (timedelta(seconds=59), "dưới 1 phút", "under 1 min"),
            (-timedelta(minutes=20), "20 phút", "20 min"),  # past due: how long, said by the sentence around it
        ],
    )
    def test_a_length_of_time_the_readers_way(self, length: timedelta, vi: str, en: str) -> None:
        assert (duration_text(length, VI), duration_text(length, EN)) == (vi, en)


class TestRead:
    def test_a_typed_moment_is_read_the_readers_way_in_the_offices_zone(self) -> None:
        hanoi = timezone(timedelta(hours=7))
        assert read_moment("02/06/2025 17:00", HANOI, VI) == datetime(2025, 6, 2, 17, 0, tzinfo=hanoi)
        assert read_moment(" 2/6/2025   9:05 ", HANOI, VI) == datetime(2025, 6, 2, 9, 5, tzinfo=hanoi)
        assert read_moment("2025-06-02 17:00", HANOI, EN) == datetime(2025, 6, 2, 17, 0, tzinfo=hanoi)

    def test_iso_8601_is_read_in_either_language_and_keeps_its_own_offset(self) -> None:
        assert read_moment("2025-06-02T17:00", HANOI, VI).isoformat() == "2025-06-02T17:00:00+07:00"
        assert read_moment("2025-06-02T17:00+00:00", HANOI, VI).isoformat() == "2025-06-02T17:00:00+00:00"

    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("31/02/2025 17:00", "vi"),  # no such day
            ("02/06/2025", "vi"),  # a day without a time: its start or its end?
            ("2025-06-02", "en"),
            ("06/02/2025 17:00", "en"),  # month first or day first: English asks for the ISO order
            ("02/06/2025 5pm", "vi"),
            ("tomorrow", "en"),
        ],
    )
    def test_anything_else_is_unreadable(self, text: str, language: str) -> None:
        with pytest.raises(UnreadableTime):
            read_moment(text, HANOI, LANGUAGES[language])


class TestReadDay:
    def test_a_typed_day_is_read_the_readers_way_or_iso_8601(self) -> None:
        assert read_day(" 02/06/2025 ", VI) == read_day("2/6/2025", VI) == date(2025, 6, 2)
        assert read_day("2025-06-02", EN) == read_day("2025-06-02", VI) == date(2025, 6, 2)

    @pytest.mark.parametrize(
        ("text", "language"),
        [("31/02/2025", "vi"), ("06/02/2025", "en"), ("02/06/2025 17:00", "vi"), ("yesterday", "en")],
    )
    def test_anything_else_is_unreadable(self, text: str, language: str) -> None:
        with pytest.raises(UnreadableTime):
            read_day(text, LANGUAGES[language])
