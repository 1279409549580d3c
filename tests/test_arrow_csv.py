"""pyarrow's reader for clean CSV files gives the exact parser's table, and
hands every irregular file to the exact parser."""

import numpy as np
import pandas as pd
import pytest

import raer_agreement.io.tables as tables
from raer_agreement.io import arrow_csv
from raer_agreement.io.tables import read_delimited


def _exact(path):
    """The exact parser alone (the fast paths switched off)."""
    saved = arrow_csv.read_clean_csv, tables._read_clean_utf8
    arrow_csv.read_clean_csv = tables._read_clean_utf8 = lambda *a, **k: None
    try:
        return read_delimited(path)
    finally:
        arrow_csv.read_clean_csv, tables._read_clean_utf8 = saved


CLEAN = {
    "plain.csv": "clip_id,annotator_id,coarse\nc1,a1,Neutrality\nc2,a1, Fatigue \nc1,a2,NA\n",
    "crlf.csv": "clip_id,annotator_id,coarse\r\nc1,a1,Neutrality\r\nc2,a2,\r\n",
    "tabs.tsv": "clip_id\tannotator_id\tcoarse\nc1\ta1\tNeutrality\nc2\ta2\tEnjoyment",
    "bom.csv": "\ufeffclip_id,annotator_id,coarse\nc1,a1,Neutrality\nc1,a2,Confusion\n",
    "unicode.csv": "clip_id,annotator_id,label\nclé,ä1,x\nc2,a2,y\n",
    "quoted.csv": 'clip_id,annotator_id,coarse\n"c,1",a1,Neutrality\n',
    # R's write.csv: a quoted header, quoted strings, a leading unnamed row-name column
    "r_write_csv.csv": '"","clip_id","annotator_id","coarse"\n"1","c1","a1","Neutrality"\n'
    '"2","c2","a1",""\n"3","c1","a2","Fatigue"\n',
    "quoted_tsv.tsv": '"clip_id"\t"annotator_id"\t"coarse"\n"c1"\t"a 1"\t"x"\n',
}
IRREGULAR = {
    "escaped_quote.csv": 'clip_id,annotator_id,coarse\n"c""1",a1,Neutrality\n',
    "quoted_newline.csv": 'clip_id,annotator_id,coarse\n"c\n1",a1,Neutrality\nc2,a1,x\n',
    "inner_quote.csv": 'clip_id,annotator_id,coarse\nc1, "a1",Neutrality\n',
    "blank.csv": "clip_id,annotator_id,coarse\nc1,a1,Neutrality\n\nc2,a1,Fatigue\n",
    "short.csv": "clip_id,annotator_id,coarse\nc1,a1\n",
    "long.csv": "clip_id,annotator_id,coarse\nc1,a1,x,y\n",
    "delims.csv": "clip_id,annotator_id,coarse\nc1,a1,x\n,,\n",
    "latin1.csv": "clip_id,annotator_id,coarse\nc\xe9,a1,x\n",
    "header_only.csv": "clip_id,annotator_id,coarse\n",
}


def _fast(p):
    """The file through pyarrow's reader as read_delimited takes it, or None."""
    head = tables._clean_head(p, sep=None, encoding=None)
    frame = None if head is None else arrow_csv.read_clean_csv(p, head)
    return None if frame is None else tables.RawTable(frame, str(p), first_line=2)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text.encode("latin-1" if name == "latin1.csv" else "utf-8"))
    return p


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_files_read_as_the_exact_parser_reads_them(tmp_path, name):
    p = _write(tmp_path, name, CLEAN[name])
    fast = _fast(p)
    assert fast is not None
    exact = _exact(p)
    assert list(fast.frame.columns) == list(exact.frame.columns)
    got = fast.frame.astype(object).to_numpy()
    want = exact.frame.astype(object).to_numpy()
    assert got.tolist() == want.tolist()
    # consecutive lines from line 2, as the exact parser numbers them
    lines = fast.first_line + np.arange(len(fast.frame))
    assert lines.tolist() == exact.line_numbers.tolist()


@pytest.mark.parametrize("name", sorted(IRREGULAR))
def test_irregular_files_go_to_the_exact_parser(tmp_path, name):
    p = _write(tmp_path, name, IRREGULAR[name])
    assert _fast(p) is None


def test_columns_are_text_as_pandas_reads_them(tmp_path):
    p = _write(tmp_path, "plain.csv", CLEAN["plain.csv"])
    frame = _fast(p).frame
    assert [frame[c].dtype for c in frame.columns] == [pd.Series([], dtype=str).dtype] * 3


def test_load_with_clip_metadata_csv(tmp_path):
    """Categorical columns from the fast reader flow through the metadata join."""
    from raer_agreement import load_ratings

    ratings = _write(tmp_path, "r.csv", CLEAN["plain.csv"])
    meta = _write(tmp_path, "clips.csv", "clip_id,split,num_frames\nc1,train,12\nc3,test,30\n")
    ann = load_ratings(ratings, clips=meta, unknown="drop")
    items = ann.items
    assert items.loc["c1", "split"] == "train"
    assert int(items.loc["c1", "num_frames"]) == 12
    assert pd.isna(items.loc["c2", "split"])


@pytest.mark.parametrize("seed", range(40))
def test_generated_quoting_reads_as_the_exact_parser(tmp_path, seed):
    """Files written by Python's csv writer under each quoting rule, with values
    holding delimiters, quotes, spaces and line breaks: the fast reader either
    gives the exact parser's table and line numbers or declines."""
    import csv

    rng = np.random.default_rng(seed)
    plain = ["c1", "a 2", "x,y", "", " ", "é", "NA", "3"]
    awkward = ['q"t', "l\nb"]  # the exact parser's: the fast reader declines these files
    n_cols = int(rng.integers(2, 5))

    def value():
        pool = awkward if rng.random() < 0.02 else plain
        return str(rng.choice(pool)) + str(rng.integers(3)) * int(rng.integers(2))

    rows = [[f"h{j}" for j in range(n_cols)]]
    rows += [[value() for _ in range(n_cols)] for _ in range(int(rng.integers(1, 12)))]
    quoting = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC][seed % 3]
    p = tmp_path / "gen.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=quoting, lineterminator="\r\n" if seed % 2 else "\n").writerows(rows)
    try:
        exact = _exact(p)
    except Exception:
        exact = None  # e.g. a row of empty fields only as the only row
    fast = _fast(p)
    if fast is None:
        return
    assert exact is not None
    assert (
        fast.frame.astype(object).to_numpy().tolist()
        == exact.frame.astype(object).to_numpy().tolist()
    )
    assert (fast.first_line + np.arange(len(fast.frame))).tolist() == exact.line_numbers.tolist()
