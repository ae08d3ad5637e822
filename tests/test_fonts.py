"""Charts draw Chinese with a real CJK font and no missing-glyph warnings."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from parkanalysis import fonts
from parkanalysis.errors import FontError


def test_cjk_font_covers_report_text_without_warnings():
    font = fonts.use_cjk_font()
    assert fonts._covers(font.path, "工贸园上半年税收亩均公顷−")
    fig, ax = plt.subplots()
    ax.set_title("工贸园 1-5月 税收(万元) 同比增长 -3.2%")
    ax.bar(["一期", "二期"], [3126, -5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise here
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def test_a_font_without_chinese_fails_loudly(monkeypatch):
    dejavu = matplotlib.font_manager.findfont("DejaVu Sans")
    monkeypatch.setenv(fonts.FONT_ENV, dejavu)
    fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(FontError, match="不包含中文字形"):
            fonts.find_cjk_font()
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.find_cjk_font.cache_clear()


def test_missing_font_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "nope.ttf"))
    fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(FontError, match=r"nope\.ttf"):
            fonts.find_cjk_font()
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.find_cjk_font.cache_clear()
