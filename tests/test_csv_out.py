"""The bulk CSV writer against pandas' ``to_csv``, the writer it replaces."""

import numpy as np
import pandas as pd
import pytest

from raer_agreement.io.csv_out import write_csv


def _frame(n=5_000, seed=3):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(5) * 0.1, size=n)
    # floats across the whole double range, in both notations of %g
    p[rng.random(n) < 0.05] *= 10.0 ** rng.integers(-300, 300)
    p[11, 2], p[12, 1], p[13, 0], p[14, 3] = np.nan, np.inf, -0.0, 2.0**-10
    p[15] = [999999.5, 9999995.0, 1e15, 5e-324, 0.00099999949]
    ids = np.array([f"clip{i:07d}" for i in range(n)], dtype=object)
    ids[3], ids[5], ids[6], ids[8], ids[9] = 'a,"b"', "x\ny", " sp ", "", "é\r"
    lab = np.array(["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"], dtype=object)
    lab = lab[p.argmax(1) % 5]
    lab[7] = None
    conf = np.nanmax(p, axis=1)
    conf[9] = np.nan
    df = pd.DataFrame(
        {
            "clip_id": pd.array(ids, dtype="string"),
            "label": pd.array(lab, dtype="string"),
            "confidence": conf,
        }
    )
    for k in range(5):
        df["prob,2" if k == 2 else f"prob_{k}"] = p[:, k]
    df["n"] = np.arange(n)
    df["nullable"] = pd.array([None if i % 7 == 0 else i for i in range(n)], dtype="Int64")
    df["flag"] = np.arange(n) % 2 == 0
    df["obj"] = np.array(["x", None] * (n // 2), dtype=object)
    df["f32"] = np.clip(p[:, 0], 0, 1).astype(np.float32)
    return df


@pytest.mark.parametrize("precision", [6, 8])
def test_byte_identical_to_pandas(tmp_path, precision):
    df = _frame()
    df.to_csv(
        tmp_path / "pandas.csv", index=False, float_format=f"%.{precision}g", lineterminator="\n"
    )
    write_csv(df, tmp_path / "ours.csv", precision=precision)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_reads_back_within_printed_precision(tmp_path):
    df = _frame(n=2_000)
    df.loc[9, "clip_id"] = "é"  # pandas' reader splits a quoted lone \r (its writer's output)
    write_csv(df, tmp_path / "t.csv", precision=6)
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False, na_values=[""])
    got = back["prob_0"].to_numpy(float)
    want = df["prob_0"].to_numpy(float)
    ok = np.isfinite(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=5e-6, atol=0)
    assert back["clip_id"].fillna("").tolist() == df["clip_id"].fillna("").tolist()


def test_unsupported_column_falls_back_to_pandas(tmp_path):
    df = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-01-02"]), "p": [0.5, 1 / 3]})
    df.to_csv(tmp_path / "pandas.csv", index=False, float_format="%.6g", lineterminator="\n")
    write_csv(df, tmp_path / "ours.csv")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
