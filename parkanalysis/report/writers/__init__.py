"""Writers: turn model blocks (:mod:`parkanalysis.report.model`) into an output format.

* :mod:`~parkanalysis.report.writers.html` — HTML of one section (the notebook page) and of a
  whole document with the print stylesheet (A4, page numbers);
* :mod:`~parkanalysis.report.writers.docx` — Word, in the layout of GB/T 9704-2012;
* :mod:`~parkanalysis.report.writers.pdf` — A4 PDF: the document's HTML printed by headless
  Chromium.
"""
