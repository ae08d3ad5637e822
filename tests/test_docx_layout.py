"""The DOCX writer's table column widths, for any table (generated)."""

from __future__ import annotations

import docx  # noqa: F401  (python-docx is a core dependency: no skip)


def test_column_widths_fill_the_text_width_and_give_each_column_its_least():
    """For any table: widths sum to the text width, and each column has room for its
    narrowest allowed layout (:func:`least_em`: whole cell or 6 characters a line), or the
    table is refused (None) exactly when those least widths cannot fit."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from parkanalysis.report.writers.docx import CELL_PAD_DXA, column_widths, least_em

    cell = st.text(alphabet="工业总产值(亿元)%0123456789.,-— abcGMY", min_size=0, max_size=30)

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(1, 9).flatmap(
            lambda n: st.lists(st.lists(cell, min_size=n, max_size=n), min_size=1, max_size=6)
        ),
        st.sampled_from([10.5, 9.0, 7.5]),
        st.integers(3000, 9000),
    )
    def check(cells, size, total):
        widths = column_widths(cells, size, total)
        least = [
            (max(least_em(c) for c in col) + 0.25) * size * 20 + 2 * CELL_PAD_DXA
            for col in zip(*cells, strict=True)  # a quarter of an em to spare
        ]
        if widths is None:
            assert sum(least) > total
            return
        assert sum(widths) == total and len(widths) == len(cells[0])
        assert all(w >= lo - 1 for w, lo in zip(widths, least, strict=True))  # int dxa

    check()
