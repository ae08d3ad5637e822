"""``python -m parkanalysis.sample OUT [--overwrite] [--parks N ...]`` (see :mod:`.cli`)."""

from parkanalysis.sample.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
