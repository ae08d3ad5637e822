"""Importers of public records, on the copies vendored in tests/data/ (every clone has them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parkanalysis.dataset import import_landchina, import_tbhb, load_dataset
from parkanalysis.dataset.importers import landchina_dataset
from tests.helpers import DATA, SHARED, require_path

LANDCHINA = DATA / "landchina_supply_results_20181231.csv"
TBHB = DATA / "tbhb_profit_2012_2019.csv"


@pytest.mark.parametrize("record", [LANDCHINA, TBHB], ids=lambda p: p.name)
def test_vendored_records_are_the_shared_ones(record):
    """The vendored copies are the shared folder's files, byte for byte (no silent edit)."""
    shared = require_path(SHARED / "external" / record.name)
    assert record.read_bytes() == shared.read_bytes()


def test_import_landchina_parcels():
    parcels = import_landchina(LANDCHINA, park_id="LC", phase_id="P1")
    assert len(parcels) == 203 and parcels["parcel_id"].is_unique
    industrial = parcels[parcels["planned_use"] == "工业"]
    assert len(industrial) == 36  # 35 工业用地 + one record coded 0601
    assert industrial["area_mu"].sum() == pytest.approx(
        154.92 * 15
        + 15
        * float(
            pd.read_csv(LANDCHINA, dtype=str).query("use == '0601'")["area"].astype(float).sum()
        ),
        rel=1e-4,
    )
    first = parcels.iloc[0]
    assert first["parcel_id"] == "1306262018B00730"
    assert first["area_mu"] == pytest.approx(5.292804 * 15)
    assert first["planned_use"] == "住宅" and first["supply_method"] == "挂牌出让"
    assert first["supply_date"] == pd.Timestamp("2018-12-31")
    assert (
        first["price_wan_yuan"] == 10484.0 and first["transferee"] == "河北康城房地产开发有限公司"
    )
    supplied = parcels["supply_status"] == "已供"
    assert set(parcels.loc[supplied, "supply_method"]) <= {
        "划拨",
        "挂牌出让",
        "拍卖出让",
        "协议出让",
    }
    public = parcels["planned_use"].isin(["道路", "绿地", "水域"])
    assert public.any() and not (public & supplied).any()
    assert parcels.loc[public, "supply_date"].isna().all()


def test_landchina_as_a_dataset(tmp_path):
    folder = landchina_dataset(LANDCHINA, tmp_path / "lc")
    ds = load_dataset(folder)
    assert len(ds.parcels) == 203 and ds.monthly.empty and ds.month_range is None
    assert ds.parcels["area_mu"].sum() == pytest.approx(ds.profile.parks["LC"].declared_mu["total"])


def test_import_tbhb_keeps_official_growth():
    pub = import_tbhb(TBHB)
    assert len(pub) == 88
    assert not pub["period"].str.endswith("-01..2012-01").any()
    first = pub.iloc[0]
    assert first["period"] == "2012-01..2012-02"  # 1-2月, no January row
    assert first["value"] == 6060.06 and first["unit"] == "亿元"
    dec18 = pub.set_index("period").loc["2018-01..2018-12"]
    assert dec18["yoy_pct"] == 10.3  # official 同口径, not the naive -11.75 %
    naive = dec18["value"] / pub.set_index("period").loc["2017-01..2017-12", "value"] * 100 - 100
    assert naive == pytest.approx(-11.75, abs=0.05)
    raw = pd.read_csv(TBHB)
    np.testing.assert_array_equal(pub["yoy_pct"].to_numpy(), raw["cumTB"].to_numpy())
