"""The sample park's safety hazards: inspection campaigns, rectification and rechecks."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from parkanalysis.sample.enterprises import Ent
from parkanalysis.sample.formats import rand_date
from parkanalysis.sample.park import AS_OF

HAZARD_CATEGORIES = (
    "消防",
    "用电",
    "作业环境",
    "生产设备",
    "管理制度",
    "特种设备",
    "危化品",
    "其他",
)


HAZARD_WEIGHTS = np.array([0.30, 0.22, 0.14, 0.12, 0.10, 0.07, 0.03, 0.02])


#: (year, number of hazards, number of enterprises, inspection campaigns)
HAZARD_PLAN = (
    (
        2013,
        58,
        16,
        ((date(2013, 4, 8), date(2013, 4, 26)), (date(2013, 10, 14), date(2013, 11, 1))),
    ),
    (
        2014,
        76,
        19,
        ((date(2014, 3, 17), date(2014, 4, 4)), (date(2014, 9, 15), date(2014, 10, 10))),
    ),
    (
        2015,
        97,
        21,
        (
            (date(2015, 3, 9), date(2015, 3, 27)),
            (date(2015, 6, 8), date(2015, 6, 26)),
            (date(2015, 11, 2), date(2015, 11, 20)),
        ),
    ),
    (
        2016,
        115,
        23,
        (
            (date(2016, 3, 7), date(2016, 3, 25)),
            (date(2016, 5, 9), date(2016, 5, 27)),
            (date(2016, 6, 6), date(2016, 6, 17)),
        ),
    ),
)


def hazard_rows(rng: np.random.Generator, ents: list[Ent], staff: dict[str, int]) -> list[tuple]:
    rows = []
    for year, n_haz, n_ent, campaigns in HAZARD_PLAN:
        lo, hi = campaigns[0][0], campaigns[-1][1]
        active = [
            e
            for e in ents
            if e.start is not None
            and e.start <= lo
            and (e.exit is None or e.exit >= hi)
            and e.kind in ("工业", "商贸")
        ]
        w = np.array(
            [staff.get(e.eid, 20) ** 0.7 * (2.0 if e.kind == "工业" else 0.7) for e in active]
        )
        chosen = sorted(rng.choice(len(active), n_ent, replace=False, p=w / w.sum()))
        counts = 1 + rng.multinomial(n_haz - n_ent, w[chosen] / w[chosen].sum())
        items = []
        for ci, k in zip(chosen, counts, strict=True):
            e = active[ci]
            visits = sorted({int(rng.integers(0, len(campaigns))) for _ in range(1 + (k > 5))})
            for j in range(k):
                c_lo, c_hi = campaigns[visits[j % len(visits)]]
                items.append((rand_date(rng, c_lo, c_hi), e))
        items.sort(key=lambda x: (x[0], x[1].eid))
        for seq, (insp, e) in enumerate(items, 1):
            cat = HAZARD_CATEGORIES[int(rng.choice(len(HAZARD_CATEGORIES), p=HAZARD_WEIGHTS))]
            major = (year == 2016 and seq == 40) or (year == 2014 and seq == 12)
            days = 60 if major else int(rng.choice([7, 15, 30], p=[0.3, 0.45, 0.25]))
            deadline = insp + timedelta(days=days)
            u = rng.random()
            if u < 0.07:  # overdue
                done = deadline + timedelta(days=int(rng.integers(3, 25)))
            else:
                done = insp + timedelta(days=int(rng.integers(1, days + 1)))
            if done > AS_OF or (deadline > AS_OF and u > 0.6):
                done = None
            recheck = passed = None
            if done is not None and rng.random() < 0.75:
                recheck = done + timedelta(days=int(rng.integers(1, 11)))
                if recheck > AS_OF:
                    recheck = None
                else:
                    passed = rng.random() > 0.05
            rows.append(
                (
                    f"YH{year}{seq:03d}",
                    e.eid,
                    insp,
                    cat,
                    "重大" if major else "一般",
                    deadline,
                    done,
                    recheck,
                    passed,
                )
            )
    return rows
