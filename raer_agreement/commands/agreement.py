"""``raer-agreement agreement``: every agreement coefficient with its uncertainty.

A thin shell over :func:`raer_agreement.metrics.agreement_summary`: the JSON
document (``--json``, schema ``raer_agreement/data_schema/agreement.schema.json``) and the
plain-text tables hold the same numbers.
"""

from __future__ import annotations

import json
import sys

from ..errors import InputError, name_list
from ._common import add_bootstrap_argument, add_input_arguments, load_from_args
from ._compare import add_compare_argument, run_compare

LEVELS = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio")


def register(sub, name):
    p = sub.add_parser(
        name,
        help="agreement coefficients with SE, CIs and p-values, per class, per annotator and by context",
        description="Percent agreement, Fleiss' kappa, Randolph/Brennan-Prediger, Conger's kappa, Gwet's AC1, "
        "Krippendorff's alpha and the mean pairwise Cohen kappa for every scheme, with Gwet's "
        "linearised SEs, t(n-1) CIs, p-values and bootstrap CIs over clips (conventions of Gwet's "
        "irrCAC R package); per-class, per-annotator and paradox diagnostics.",
    )
    add_input_arguments(p)
    g = p.add_argument_group("agreement")
    g.add_argument(
        "--json",
        action="store_true",
        help="print the JSON report (raer_agreement/data_schema/agreement.schema.json)",
    )
    g.add_argument(
        "--by",
        metavar="COLUMN",
        action="append",
        help="also compute every coefficient within each value of this clip-metadata column "
        "(split, session_type, environment, ...); repeatable",
    )
    g.add_argument(
        "--n-boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples over clips (default 1000; 0 skips the bootstrap)",
    )
    g.add_argument("--seed", type=int, default=0, metavar="S", help="bootstrap seed (default 0)")
    add_bootstrap_argument(g)
    g.add_argument(
        "--scheme",
        action="append",
        metavar="NAME",
        help="only this scheme (repeatable; default all)",
    )
    g.add_argument(
        "--level",
        choices=LEVELS,
        default="nominal",
        help="Krippendorff's alpha level of measurement (default nominal)",
    )
    g.add_argument(
        "--weights",
        choices=WEIGHTS,
        default="identity",
        help="partial-agreement weights for ordered scales (default identity = unweighted)",
    )
    g.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        metavar="C",
        help="confidence level (default 0.95)",
    )
    add_compare_argument(g)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..metrics import agreement_summary

    if args.n_boot < 0:
        raise InputError("--n-boot must be 0 or more", value=args.n_boot)
    if not 0 < args.confidence < 1:
        raise InputError("--confidence must be between 0 and 1", value=args.confidence)
    if args.compare and args.bootstrap != "clips":
        raise InputError(
            "--bootstrap krippendorff gives the interval of one input's alpha; --compare "
            "resamples clips",
            column="--bootstrap",
            value=args.bootstrap,
        )
    if args.compare:
        return run_compare(args, weights=None if args.weights == "identity" else args.weights)
    ann = load_from_args(args)
    for s in args.scheme or []:
        ann.resolve_scheme(s, column="--scheme")
    if args.by:
        cols = list(ann.items.columns)
        for col in args.by:
            if col not in cols:
                raise InputError(
                    f"no clip metadata column to group by (columns: {name_list(cols, 8) or 'none'}; "
                    "pass --clips to attach metadata)",
                    column="--by",
                    value=col,
                )
    import warnings

    from ..errors import DegenerateDataWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        doc = agreement_summary(
            ann,
            by=args.by,
            n_boot=args.n_boot,
            rng=args.seed,
            confidence=args.confidence,
            weights=None if args.weights == "identity" else args.weights,
            level=args.level,
            schemes=args.scheme,
            bootstrap=args.bootstrap,
        )
    notes = sorted(
        {str(w.message) for w in caught if issubclass(w.category, DegenerateDataWarning)}
    )
    for n in notes:
        print(f"raer-agreement agreement: warning: {n}", file=sys.stderr)
    if args.json:
        json.dump(doc, sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        print(render_text(doc))
    return 0


# ------------------------------------------------------------------ text


# The formatters are imported when a table is written, so that building the
# parser (``--help``) imports no metric module.
def _f(x, nd=3):
    # the shared formatter: no -0.000 or 5.6e-17, missing as "-"
    from ..wording import fixed

    return fixed(x, nd)


def _n(x) -> str:
    from ..wording import count

    return count(x)


def _p(p):
    from ..metrics.results import format_p

    return format_p(p)


def _ci(low, high):
    from ..wording import fixed

    if fixed(low) == "-" or fixed(high) == "-":
        return "-"
    return f"[{fixed(low)}, {fixed(high)}]"


def _annotators(n) -> str:
    from ..metrics.results import format_annotators

    return format_annotators(n)


def describe(benchmark):
    from ..metrics.benchmarking import describe

    return describe(benchmark)


def _table(head, rows):
    from ..metrics.results import text_table

    return text_table(head, rows)


def _coef_rows(coefs, boot, weighted=False):
    from ..metrics import COEFFICIENT_NAMES

    rows = []
    for key, c in coefs.items():
        name = COEFFICIENT_NAMES.get(key, key)
        if weighted and key == "gwet_ac1":
            name = "Gwet's AC2"
        elif weighted and key not in ("randolph_kappa", "krippendorff_alpha"):
            name += " (weighted)"
        row = [
            name,
            _f(c["estimate"]),
            _f(c["se"]),
            _ci(c["ci_low"], c["ci_high"]),
            _p(c["p_value"]),
        ]
        if boot:
            row.append(
                "withheld" if c.get("boot_reason") else _ci(c["boot_ci_low"], c["boot_ci_high"])
            )
        b = c.get("benchmark") or {}
        row += [describe({k: b[k]}) if k in b else "-" for k in ("landis_koch", "fleiss")]
        rows.append(row)
    return rows


def _withheld_notes(coefs) -> list:
    """One note per coefficient whose bootstrap interval is withheld, with the reason."""
    from ..metrics import COEFFICIENT_NAMES

    return [
        f"{COEFFICIENT_NAMES.get(key, key)}: {c['boot_reason']}"
        for key, c in coefs.items()
        if c.get("boot_reason")
    ]


def _alpha_line(coefs) -> str | None:
    """Krippendorff's thresholds, for alpha only: P(alpha below each) from the bootstrap."""
    th = (coefs.get("krippendorff_alpha") or {}).get("krippendorff_thresholds")
    if not th or not th["n_boot"]:
        return None
    parts = [f"P(alpha < {t['threshold']:.3f}) = {_f(t['p_below'])}" for t in th["thresholds"]]
    return (
        "Krippendorff's thresholds (0.667 tentative, 0.800 reliable): "
        + ", ".join(parts)
        + " over "
        + _alpha_resamples(th)
    )


def _alpha_resamples(th: dict) -> str:
    """What alpha's bootstrap resampled, from its ``krippendorff_thresholds`` block."""
    if th.get("scheme") == "krippendorff":
        drawn, pairs = th["pairs_drawn"], th["pairs_in_data"]
        cap = (
            f"; {_n(drawn)} is the algorithm's cap of 25 draws per non-empty cell, of "
            f"{_n(pairs)} pairs in the data: wider than the data warrant"
            if drawn < pairs
            else ""
        )
        return (
            f"{th['n_boot']} resamples of {_n(drawn)} pairs drawn from the coincidence matrix "
            "(Krippendorff's bootstrap, --bootstrap krippendorff: the pairs taken as "
            f"independent, the values of one clip included{cap})"
        )
    return (
        f"{th['n_boot']} bootstrap resamples of clips (not Krippendorff's bootstrap"
        " of pairable values, which takes them as independent: usually narrower)"
    )


def render_text(doc: dict) -> str:
    """The plain-text report of an agreement summary."""
    boot = doc["bootstrap"]["n_boot"] > 0
    out = []
    d = doc["data"]
    out.append(
        f"{_n(d['n_ratings'])} ratings, {_n(d['n_items'])} clips, {_annotators(d['n_annotators'])}"
    )
    if boot:
        out.append(
            f"bootstrap: {doc['bootstrap']['n_boot']} resamples of clips, seed {doc['bootstrap']['seed']}"
            + (
                "; Krippendorff's alpha: Krippendorff's bootstrap of pairs drawn from the "
                "coincidence matrix (the other coefficients resample clips)"
                if doc["bootstrap"].get("scheme") == "krippendorff"
                else ""
            )
        )
    if doc.get("anonymous_votes"):
        out.append(doc["anonymous_votes"])
    for name, s in doc["schemes"].items():
        out += _scheme_text(doc, name, s)
    if doc.get("granularity"):
        out += ["", "granularities:", _granularity_table(doc["granularity"])]
    out.append("")
    if doc["weights"] is not None:
        out.append(
            f"weights: {doc['weights']}; Krippendorff's alpha level: {doc['level_of_measurement']}"
        )
    out.append("conventions: " + doc["conventions"])
    return "\n".join(out)


def _scheme_text(doc: dict, name: str, s: dict) -> list:
    """One scheme: coefficients, prevalence, per class, per annotator and by context."""
    boot = doc["bootstrap"]["n_boot"] > 0
    conf = int(round(doc["confidence"] * 100))
    head = (
        ["coefficient", "estimate", "SE", f"{conf}% CI (t)", "p"]
        + ([f"{conf}% boot CI"] if boot else [])
        + ["Landis-Koch band (P)", "Fleiss band (P)"]
    )
    out = [""]
    out.append(
        f"== scheme {name}: {_n(s['n_ratings'])} ratings, {_n(s['n_items'])} clips, "
        f"{_annotators(s['n_annotators'])}, "
        f"{len(s['categories'])} categories"
    )
    out.append(
        _table(head, _coef_rows(s["coefficients"], boot, weighted=doc["weights"] is not None))
    )
    for note in s.get("notes", []) + _withheld_notes(s["coefficients"]):
        out.append(f"note: {note}")
    out.append(
        "bands: the best band the coefficient reaches with probability >= 0.95 given its SE "
        "(Gwet 2014, ch. 6; P = that probability); Altman's scale is in the JSON"
    )
    alpha = _alpha_line(s["coefficients"])
    if alpha:
        out.append(alpha)
    out += ["", _prevalence_line(s, weighted=doc["weights"] is not None)]
    out += ["", "per class:", _per_class_table(s["per_class"])]
    if "per_annotator" in s:
        out += ["", "per annotator:", _per_annotator_table(s["per_annotator"])]
    for col, groups in s["by"].items():
        out += _by_text(col, groups, s.get("by_comparison", {}).get(col))
    return out


def _prevalence_line(s: dict, *, weighted: bool) -> str:
    """The top category's share, AC1 minus kappa and Conger's bound under the marginals."""
    dg = s["diagnostics"]
    bound = ""
    if "conger_kappa_max" in dg:
        conger = s["coefficients"].get("conger_kappa", {}).get("estimate")
        bound = (
            f"; Conger kappa {_f(conger)}, at most {_f(dg['conger_kappa_max'])} under the "
            "annotators' marginals"
            if not weighted
            else f"; unweighted Conger kappa at most {_f(dg['conger_kappa_max'])} under the "
            "annotators' marginals"
        )
    return (
        f"prevalence: top category {dg['top_category']} = {_f(dg['top_prevalence'])} of ratings; "
        f"AC1 - Fleiss kappa = {_f(dg['ac1_minus_kappa'])}"
        + bound
        + ("  (kappa paradox)" if dg["paradox"] else "")
    )


def _per_class_table(rows) -> str:
    return _table(
        ["category", "ratings", "prevalence", "kappa", "alpha 1-vs-rest", "specific agr."],
        [
            [
                r["category"],
                _n(r["n_ratings"]),
                _f(r["prevalence"]),
                _f(r["fleiss_kappa"]),
                _f(r["alpha_one_vs_rest"]),
                _f(r["specific_agreement"]),
            ]
            for r in rows
        ],
    )


def _by_text(col: str, groups: list, comp: dict | None) -> list:
    """The coefficients within each value of ``col``, and the test of equal agreement."""
    # column heads of the by-context tables, from the coefficient registry
    from ..metrics.registry import SHORT

    out = ["", f"by {col}:"]
    keys = [k for k in SHORT if groups and k in groups[0]["coefficients"]]
    rows = [
        [g["value"], _n(g["n_items"])] + [_f(g["coefficients"][k]["estimate"]) for k in keys]
        for g in groups
    ]
    out.append(_table([col, "clips"] + [SHORT[k] for k in keys], rows))
    if comp:
        tests = {o["coefficient"]: o for o in comp["overall"]}
        out.append(
            f"equal agreement in every {col} (Wald test, bootstrap covariance, "
            f"df {next(iter(tests.values()))['df']}): "
            + "; ".join(
                f"{SHORT[k]} chi2 {_f(tests[k]['chi2'], 1)}, p {_p(tests[k]['p_value'])}"
                for k in keys
                if k in tests
            )
            + " (pairwise differences with CIs in the JSON)"
        )
    return out


def _granularity_table(rows) -> str:
    return _table(
        ["child", "parent", "consistency", "alpha parent", "alpha collapsed child", "alpha child"],
        [
            [
                g["child"],
                g["parent"],
                _f(g["consistency"]),
                _f(g["alpha_parent"]),
                _f(g["alpha_collapsed"]),
                _f(g["alpha_child"]),
            ]
            for g in rows
        ],
    )


def _per_annotator_table(rows) -> str:
    return _table(
        [
            "annotator",
            "ratings",
            "agree w/ others",
            "kappa vs others",
            "mean Cohen",
            "alpha without",
            "influence",
        ],
        [
            [
                r["annotator"],
                _n(r["n_ratings"]),
                _f(r["consensus_agreement"]),
                _f(r["kappa_vs_consensus"]),
                _f(r["mean_cohen_kappa"]),
                _f(r["alpha_without"]),
                _f(r["alpha_influence"], 4),
            ]
            for r in rows
        ],
    )
