"""Krippendorff's bootstrap of alpha (``--bootstrap krippendorff``).

The values come from outside the code under test:

* a reference written here the slow way, from Krippendorff's description
  (every pairable value pair of every unit listed, ``M`` pairs drawn with
  ``rng.choice`` one resample at a time), compared on distribution;
* the binomial law: with the nominal metric a resample's disagreements are
  Binomial(M, Do), so P(alpha* < t) is a binomial tail, known exactly;
* the figures quoted for Gwet's ``cac.raw4raters``: Krippendorff's
  algorithm about 0.155 and the clip bootstrap 0.3225 for P(alpha < 0.667).
"""

from __future__ import annotations

import json
import math
from importlib import resources

import jsonschema
import krippendorff
import metric_cases as mc
import numpy as np
import pytest
from scipy.stats import binom

from raer_agreement.cli import main
from raer_agreement.io.frames import from_matrix
from raer_agreement.metrics.analysis import Analysis
from raer_agreement.metrics.krippendorff_bootstrap import (
    krippendorff_bootstrap,
    krippendorff_replicates,
    pairs_to_draw,
)

SCHEMA = json.loads(
    resources.files("raer_agreement.data_schema").joinpath("agreement.schema.json").read_text()
)
CATEGORIES = [1, 2, 3, 4, 5]


# ------------------------------------------------------------ the reference
def _pairs(rows):
    """Every ordered pair of values within a unit, with Krippendorff's weight 1/(m_u - 1)."""
    pairs, weights, values = [], [], []
    for row in rows:
        v = [x for x in row if x is not None]
        if len(v) < 2:
            continue  # a lone value is not pairable
        values += v
        for i, a in enumerate(v):
            for j, b in enumerate(v):
                if i != j:
                    pairs.append((a, b))
                    weights.append(1.0 / (len(v) - 1))
    return pairs, np.array(weights), values


def _delta(a, b, level):
    return float(a != b) if level == "nominal" else float(a - b) ** 2


def reference_boot(rows, n_boot, seed, level="nominal"):
    """Krippendorff's algorithm, one resample and one list of pairs at a time.

    The sampling continuum is the list of pairable value pairs, each with
    probability weight / n.. (the coincidence matrix spelled out); the
    expected disagreement is counted over every two pairable values.
    """
    pairs, w, values = _pairs(rows)
    n = len(values)
    de = sum(
        _delta(a, b, level) for i, a in enumerate(values) for j, b in enumerate(values) if i != j
    ) / (n * (n - 1))
    m = max(sum(x is not None for x in r) for r in rows)
    cells = {tuple(sorted(p)) for p in pairs}
    draws = min((m - 1) * n // 2, 25 * len(cells))
    d = np.array([_delta(a, b, level) for a, b in pairs])
    same = np.array([a == b for a, b in pairs])
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        idx = rng.choice(len(pairs), size=draws, p=w / w.sum())
        alpha = max(1 - d[idx].mean() / de, -1.0)
        if same[idx].all() and len({pairs[i][0] for i in idx}) == 1:
            alpha = 0.0  # one value only: no variation, alpha indeterminate
        out.append(alpha)
    return np.array(out), draws


def simulated_rows(seed=3, n_units=60, q=4):
    """Units coded by 2 to 5 of 5 coders: the true class, or a random one."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_units):
        truth = int(rng.integers(1, q + 1))
        coded = rng.permutation(5)[: int(rng.integers(2, 6))]
        rows.append(
            [
                (truth if rng.random() < 0.7 else int(rng.integers(1, q + 1)))
                if c in coded
                else None
                for c in range(5)
            ]
        )
    return rows


@pytest.mark.parametrize(
    "rows,level",
    [
        (mc.CAC_RAW4RATERS, "nominal"),
        (simulated_rows(), "nominal"),
        (simulated_rows(8), "interval"),
    ],
    ids=["raw4raters", "simulated", "simulated-interval"],
)
def test_distribution_matches_the_reference(rows, level):
    b = 4000
    ref, draws = reference_boot(rows, b, seed=11, level=level)
    ann = from_matrix(rows, categories=[1, 2, 3, 4, 5])
    kb = krippendorff_bootstrap(ann, level=level, n_boot=b, rng=12)
    r = kb.replicates
    assert kb.n_draws == draws
    # the estimate the distribution is built around: the krippendorff package's alpha
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float).T
    assert kb.estimate == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement=level), abs=1e-12
    )
    sd = ref.std(ddof=1)
    # Tolerances, two independent samples of B = 4000: mean, SE sqrt(2/B) sd; SD, SE about
    # sd / sqrt(B) (sqrt(2) x sd/sqrt(2B)); the 2.5% and 97.5% quantiles, SE sqrt(2) x
    # sqrt(p(1-p)/B) / f(x_p), which for a near-normal law is 3.8 sd / sqrt(B).  We allow 4.5
    # SEs, plus for the quantiles one step of the lattice of attainable alphas (a resample
    # moves by whole draws: 1 / (M De) times the metric difference of one draw).
    step = float(np.max(_pair_deltas(rows, level))) / (kb.n_draws * _expected(rows, level))
    assert r.mean() == pytest.approx(ref.mean(), abs=4.5 * math.sqrt(2 / b) * sd)
    assert r.std(ddof=1) == pytest.approx(sd, abs=4.5 * sd / math.sqrt(b))
    for p in (2.5, 97.5):
        tol = 4.5 * 3.8 * sd / math.sqrt(b) + step
        assert np.percentile(r, p) == pytest.approx(np.percentile(ref, p), abs=tol), p


def _pair_deltas(rows, level):
    pairs, _, _ = _pairs(rows)
    return [_delta(a, b, level) for a, b in pairs] or [0.0]


def _expected(rows, level):
    _, _, values = _pairs(rows)
    n = len(values)
    return sum(
        _delta(a, b, level) for i, a in enumerate(values) for j, b in enumerate(values) if i != j
    ) / (n * (n - 1))


# ------------------------------------------------------- Gwet's textbook data
def _raw4raters():
    return from_matrix(mc.CAC_RAW4RATERS, categories=CATEGORIES)


def test_raw4raters_threshold_is_a_binomial_tail():
    """Nominal metric: a resample's disagreeing draws are Binomial(M, Do), so
    P(alpha* < t) = P(D > (1 - t) De M) exactly; 40 pairable values, m = 4
    coders, M = (4 - 1) 40 / 2 = 60 pairs, Do = 8/40."""
    b = 20_000
    kb = krippendorff_bootstrap(_raw4raters(), n_boot=b, rng=5)
    assert (kb.n_pairable, kb.n_draws, kb.capped) == (40, 60, False)
    de = 0.2 / (1 - mc.KRIPPENDORFF_2011_ALPHA["nominal"])
    for t in (0.667, 0.8):
        exact = binom.sf(math.floor((1 - t) * de * 60), 60, 0.2)
        # Monte Carlo SE of a share of B resamples: sqrt(p (1 - p) / B); 4 SEs
        assert kb.p_below(t) == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / b))
    assert binom.sf(15, 60, 0.2) == pytest.approx(0.1306, abs=5e-5)


def test_raw4raters_quoted_figures_and_which_threshold():
    """The quoted P(alpha < 0.667): about 0.155 by Krippendorff's algorithm, 0.3225 by
    the clip bootstrap.  0.667 is the threshold: P(alpha < 0.800) is about 0.68 over
    clips.  Both quoted figures are read as shares of 1,000 resamples (Monte Carlo SE
    sqrt(p (1 - p) / 1000): 0.011 and 0.015); ours use 20,000 resamples."""
    b = 20_000
    a = Analysis(_raw4raters())
    clips = a.coefficients(["krippendorff_alpha"], n_boot=b, rng=1)["krippendorff_alpha"]
    kripp = a.coefficients(["krippendorff_alpha"], n_boot=b, rng=1, bootstrap="krippendorff")[
        "krippendorff_alpha"
    ]

    def within(ours, quoted, k=3.0):
        se = math.sqrt(quoted * (1 - quoted) / 1000 + ours * (1 - ours) / b)
        return abs(ours - quoted) <= k * se

    assert within(clips.thresholds.p_below[0], 0.3225)
    assert not within(clips.thresholds.p_below[1], 0.3225)
    # Krippendorff's M = 60 gives 0.131 exactly: 2.1 SEs of a 1,000-resample figure from 0.155
    assert within(kripp.thresholds.p_below[0], 0.155)
    assert (clips.thresholds.scheme, kripp.thresholds.scheme) == ("clips", "krippendorff")
    # pairs taken as independent: Krippendorff's interval is the narrower one here
    width = {k: c.boot_ci[1] - c.boot_ci[0] for k, c in (("clips", clips), ("kripp", kripp))}
    assert width["kripp"] < 0.5 * width["clips"]
    assert kripp.boot_ci[0] <= kripp.estimate <= kripp.boot_ci[1]


def test_other_coefficients_keep_the_clip_bootstrap():
    a = Analysis(_raw4raters())
    clips = a.coefficients(n_boot=300, rng=4)
    kripp = a.coefficients(n_boot=300, rng=4, bootstrap="krippendorff")
    for c in clips:
        if c.name != "krippendorff_alpha":
            assert kripp[c.name].boot_ci == c.boot_ci, c.name
            assert kripp[c.name].boot_scheme is None
    assert kripp["krippendorff_alpha"].boot_ci != clips["krippendorff_alpha"].boot_ci
    with pytest.raises(ValueError, match="bootstrap must be one of"):
        a.coefficients(n_boot=10, bootstrap="pairs")


# --------------------------------------------------------------- corrections
def test_one_diagonal_cell_is_indeterminate_and_set_to_zero():
    """Ten units, two coders, one disagreement: a resample drawing only (a, a) pairs has
    no variation; its alpha (1 - 0/0) is set to 0, never 1."""
    o = np.array([[18.0, 1.0], [1.0, 0.0]])
    r, bad = krippendorff_replicates(o, 1.0 - np.eye(2), 10, 20_000, rng=2)
    share = (18 / 20) ** 10  # every one of the 10 draws from the (a, a) cell
    assert bad / 20_000 == pytest.approx(share, abs=4 * math.sqrt(share * (1 - share) / 20_000))
    assert not np.any(r == 1.0)
    # one disagreement in 10 draws gives 1 - 0.1 / 0.1 = 0 too: zeros are at least the bad ones
    assert np.sum(r == 0.0) >= bad


def test_alpha_below_minus_one_is_set_to_minus_one():
    """De = 2 x 19 x 1 / (20 x 19) = 0.1: D disagreements in 10 draws give 1 - D; two give
    -1 and three or more would fall below it, so P(alpha* = -1) = P(D >= 2), D ~ Bin(10, 0.1)."""
    o = np.array([[18.0, 1.0], [1.0, 0.0]])
    r, _ = krippendorff_replicates(o, 1.0 - np.eye(2), 10, 20_000, rng=3)
    p = binom.sf(1, 10, 0.1)
    assert r.min() == -1.0
    assert np.mean(r == -1.0) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / 20_000))


def test_draws_are_capped_at_25_per_cell_and_undefined_alpha_is_nan():
    assert pairs_to_draw(np.diag([500.0, 500.0]), 2) == (50, 500)
    assert pairs_to_draw(np.diag([500.0, 500.0]), 2, cap=False) == (500, 500)
    r, bad = krippendorff_replicates(np.array([[6.0]]), np.zeros((1, 1)), 3, 5)
    assert np.isnan(r).all() and bad == 0


# ----------------------------------------------------------------------- CLI
def _write(tmp_path):
    lines = ["item,annotator,label"]
    for i, r in enumerate(mc.CAC_RAW4RATERS):
        lines += [f"u{i + 1},r{a + 1},{v}" for a, v in enumerate(r) if v is not None]
    f = tmp_path / "raw4raters.csv"
    f.write_text("\n".join(lines) + "\n")
    return str(f)


def _json(capsys, argv):
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    return doc


def test_cli_names_the_scheme_and_keeps_the_estimate_inside(tmp_path, capsys):
    f = _write(tmp_path)
    base = ["agreement", f, "--json", "--categories", "1,2,3,4,5"]
    default = _json(capsys, base)
    kripp = _json(capsys, [*base, "--bootstrap", "krippendorff"])
    assert default["bootstrap"]["scheme"] == "clips"
    assert kripp["bootstrap"]["scheme"] == "krippendorff"
    alpha = kripp["schemes"]["label"]["coefficients"]["krippendorff_alpha"]
    th = alpha["krippendorff_thresholds"]
    assert alpha["boot_scheme"] == th["scheme"] == "krippendorff"
    assert (th["pairs_drawn"], th["pairs_in_data"], th["n_boot"]) == (60, 60, 1000)
    if alpha.get("boot_reason"):
        assert alpha["boot_ci_low"] is None
    else:
        assert alpha["boot_ci_low"] <= alpha["estimate"] <= alpha["boot_ci_high"]
    # everything but alpha's bootstrap is the default's
    for key, c in default["schemes"]["label"]["coefficients"].items():
        if key != "krippendorff_alpha":
            assert kripp["schemes"]["label"]["coefficients"][key] == c, key


def test_cli_default_is_the_clip_bootstrap(tmp_path, capsys):
    f = _write(tmp_path)
    base = ["agreement", f, "--categories", "1,2,3,4,5"]
    assert main(base) == 0
    default = capsys.readouterr().out
    assert main([*base, "--bootstrap", "clips"]) == 0
    assert capsys.readouterr().out == default
    assert "over 1000 bootstrap resamples of clips (not Krippendorff's bootstrap" in default
    assert "P(alpha < 0.667) = 0.318" in default  # seed 0, 1,000 resamples of clips
    assert main([*base, "--bootstrap", "krippendorff"]) == 0
    text = capsys.readouterr().out
    assert "over 1000 resamples of 60 pairs drawn from the coincidence matrix" in text
    assert "Krippendorff's alpha: Krippendorff's bootstrap of pairs" in text


def test_cli_refuses_krippendorff_with_compare(tmp_path, capsys):
    f = _write(tmp_path)
    assert main(["agreement", "--compare", f, f, "--bootstrap", "krippendorff"]) == 2
    assert "--bootstrap" in capsys.readouterr().err


def test_report_sentence_names_the_bootstrap():
    from raer_agreement.report.decisions import alpha_threshold_text

    th = {
        "n_boot": 1000,
        "scheme": "krippendorff",
        "pairs_drawn": 375,
        "pairs_in_data": 9000,
        "thresholds": [{"threshold": 0.667, "p_below": 0.1}, {"threshold": 0.8, "p_below": 0.9}],
    }
    text = alpha_threshold_text({"estimate": 0.7, "krippendorff_thresholds": th})
    assert "Krippendorff's bootstrap" in text and "cap of 25 draws" in text
    clips = alpha_threshold_text(
        {"estimate": 0.7, "krippendorff_thresholds": {**th, "scheme": "clips"}}
    )
    assert "resamples of clips" in clips


def test_report_option_reaches_alpha_and_names_it(tmp_path):
    from referencing import Registry, Resource

    out = tmp_path / "rep"
    argv = ["report", _write(tmp_path), "--categories", "1,2,3,4,5", "--out", str(out)]
    assert main([*argv, "--n-boot", "200", "--bootstrap", "krippendorff", "--quiet"]) == 0
    doc = json.loads((out / "report.json").read_text())
    registry = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
    report_schema = json.loads(
        resources.files("raer_agreement.data_schema").joinpath("report.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(report_schema, registry=registry).validate(doc)
    alpha = doc["agreement"]["schemes"]["label"]["coefficients"]["krippendorff_alpha"]
    assert alpha["krippendorff_thresholds"]["scheme"] == "krippendorff"
    md = (out / "report.md").read_text()
    assert "resamples of Krippendorff's bootstrap, each of 60 pairs" in md
    assert "Krippendorff's alpha: Krippendorff's bootstrap of pairs" in md
