"""The embedded sample park (工贸园) and synthetic park datasets of any size.

:func:`write_sample` writes ``data/sample/``: the park of the seed half-year summary
(工贸园, 阜阳市颍州区), with enterprise monthly statistics 2012-01..2016-06, the land
ledger, construction projects and their building progress, safety hazards, relocations and
a few officially published figures. Its headers are the Chinese names of ``data/README.md``
with units, as an analyst would type them. The data are invented but tuned so that the
figures of the seed come out exactly (the table is in :mod:`~parkanalysis.sample.park`).

:func:`write_synthetic` writes datasets of the same shape (internal column names) for scale
tests: ``parks × enterprises × years·12`` monthly rows, fully vectorised.

Both are deterministic: fixed seeds (:func:`numpy.random.default_rng`), fixed number
formatting, ``\\n`` line endings, UTF-8, stable row order, no timestamps.
Files are written atomically (:mod:`~parkanalysis.sample.output`).

Run ``python -m parkanalysis.sample data/sample`` to regenerate the committed sample.

The package:

* :mod:`~parkanalysis.sample.park` — the park's fixed facts: ids, months, the seed's figures
  and targets, its park.yaml;
* :mod:`~parkanalysis.sample.enterprises` — the cast of enterprises;
* :mod:`~parkanalysis.sample.land` — the land ledger;
* :mod:`~parkanalysis.sample.monthly` — monthly statistics, calibrated to the seed; 规上
  membership; published figures;
* :mod:`~parkanalysis.sample.projects`, :mod:`~parkanalysis.sample.safety` — construction
  projects and building progress; safety hazards;
* :mod:`~parkanalysis.sample.build` — the sample assembled into CSV texts and written;
* :mod:`~parkanalysis.sample.synthetic` — synthetic datasets of any size;
* :mod:`~parkanalysis.sample.formats`, :mod:`~parkanalysis.sample.output` — exact number and
  date formatting; atomic folder output;
* :mod:`~parkanalysis.sample.cli` — ``python -m parkanalysis.sample``.
"""

from parkanalysis.sample.build import build_sample as build_sample
from parkanalysis.sample.build import write_sample
from parkanalysis.sample.cli import main as main
from parkanalysis.sample.output import MARKER as MARKER
from parkanalysis.sample.output import OFFICE_TEXTS as OFFICE_TEXTS
from parkanalysis.sample.output import SAMPLE_FILES
from parkanalysis.sample.output import SAMPLE_TABLES as SAMPLE_TABLES
from parkanalysis.sample.synthetic import names_of_parks as names_of_parks
from parkanalysis.sample.synthetic import write_synthetic

__all__ = ["SAMPLE_FILES", "write_sample", "write_synthetic"]
