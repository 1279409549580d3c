"""Accuracy of every aggregation method, with its default options, on the
public crowd-annotation sets, beside crowd-kit run in the same process.

Usage: python benchmarks/accuracy_table.py [--shared DIR] [--out benchmarks/ACCURACY.md]

Writes a Markdown report: accuracy on the gold items that have ratings, per
set and on average; each default checked against the acceptance rule (mean
accuracy at least crowd-kit's DawidSkene mean, no set more than one point
below it); the sensitivity of the Dawid-Skene family to its smoothing, which
is the evidence behind the defaults; agreement with the published 1979
Dawid-Skene estimate on the set without gold.  crowd-kit (a peer, never a
dependency) is used when it can be imported; otherwise only the figures listed
in ``shared/datasets/README.md`` are shown.  The data sets are not part of the
project; the script stops with a message when they are absent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from raer_agreement import __version__, load_ratings
from raer_agreement.aggregation import (
    GLAD,
    MACE,
    ClassConditionalDawidSkene,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    Wawa,
    evaluate,
    read_gold,
)
from raer_agreement.io.atomic import atomic_write_text

#: Every method with its default options (majority-vote ties go to the lowest
#: label, crowd-kit's rule, so that the two majority votes are comparable).
METHODS = {
    "MV": lambda: MajorityVote(tie_break="lowest"),
    "Wawa": lambda: Wawa(tie_break="lowest"),
    "DS": DawidSkene,
    "DS one-coin": OneCoinDawidSkene,
    "DS class-cond.": ClassConditionalDawidSkene,
    "GLAD": GLAD,
    "MACE": MACE,
}

#: Smoothing values shown for the Dawid-Skene family: maximum likelihood,
#: the former default, Jeffreys' and Laplace's pseudo-counts.
SMOOTHING_GRID = (0.0, 0.1, 0.5, 1.0)
FAMILY = {
    "DS": DawidSkene,
    "one-coin": OneCoinDawidSkene,
    "class-cond.": ClassConditionalDawidSkene,
}

#: The acceptance rule of a default: mean at least the peer's, no set more than
#: this below it.  The peer of each model is crowd-kit's implementation of it
#: (keys of :func:`crowdkit_methods` after the first), else crowd-kit's DawidSkene.
MAX_GAP = 0.01
RULE_PEERS = {
    "DS": None,
    "DS class-cond.": None,
    "DS one-coin": "crowd-kit one-coin",
    "GLAD": "crowd-kit GLAD",
    "MACE": "crowd-kit MACE",
}


def readme_figures(readme: Path) -> dict:
    """crowd-kit's (MajorityVote, DawidSkene) accuracy per folder, parsed from the README table."""
    out = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = re.match(
            r"^\|\s*([a-z0-9_]+)\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|$", line
        )
        if m:
            out[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return out


def crowdkit_methods() -> dict:
    """crowd-kit's estimators with their documented defaults ({} when not installed)."""
    try:
        import crowdkit
        from crowdkit.aggregation import GLAD as CkGLAD
        from crowdkit.aggregation import MACE as CkMACE
        from crowdkit.aggregation import DawidSkene as CkDS
        from crowdkit.aggregation import OneCoinDawidSkene as CkOneCoin
    except ImportError:
        return {}
    v = getattr(crowdkit, "__version__", "")
    return {
        f"crowd-kit{v and ' ' + v} DS": lambda: CkDS(n_iter=100),
        "crowd-kit one-coin": lambda: CkOneCoin(n_iter=100),
        "crowd-kit GLAD": CkGLAD,
        "crowd-kit MACE": lambda: CkMACE(random_state=0),
    }


def peer_accuracy(make, ann, gold) -> float:
    frame = ann.to_crowdkit()
    frame["label"] = frame["label"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = make().fit_predict(frame)
    pred.index = pred.index.astype(str)
    common = gold.index.intersection(pred.index)
    return float((pred.loc[common].astype(str) == gold.loc[common].astype(str)).mean())


def fit_accuracy(make, ann, gold) -> tuple[float, float]:
    t0 = time.perf_counter()
    est = make().fit(ann)
    return evaluate(est.labels_, gold).accuracy, time.perf_counter() - t0


def fmt_row(name, values, bold_best=True) -> str:
    best = max(v for v in values if v == v)
    cells = [
        "-" if v != v else (f"**{v:.4f}**" if bold_best and v == best else f"{v:.4f}")
        for v in values
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def measure(data: Path) -> dict:
    peers = crowdkit_methods()
    readme = readme_figures(data / "README.md")
    names = sorted(p.name for p in data.iterdir() if (p / "gold.csv").is_file())
    rows = {}
    for name in names:
        ann = load_ratings(data / name / "labels.csv")
        gold = read_gold(data / name / "gold.csv")
        gold.index = gold.index.astype(str)
        ours = {k: fit_accuracy(m, ann, gold) for k, m in METHODS.items()}
        grid = {
            (fam, s): evaluate(cls(smoothing=s).fit_predict(ann), gold).accuracy
            for fam, cls in FAMILY.items()
            for s in SMOOTHING_GRID
        }
        theirs = {k: peer_accuracy(m, ann, gold) for k, m in peers.items()}
        rows[name] = {
            "items": ann.n_items,
            "ours": ours,
            "grid": grid,
            "peers": theirs,
            "readme": readme.get(name, (float("nan"), float("nan"))),
        }
    return {"rows": rows, "peer_names": list(peers)}


def ds1979_agreement(shared: Path) -> dict | None:
    """Share of the 45 patients given the published EM estimate's class, per method."""
    path = shared / "datasets" / "dawid_skene_1979" / "labels.csv"
    ref = shared / "reference" / "agreement_cases.json"
    if not (path.is_file() and ref.is_file()):
        return None
    expected = json.loads(ref.read_text(encoding="utf-8"))["dawid_skene_1979"]["expected"]
    truth = list(expected["map_labels_patients_1_to_45"])
    ann = load_ratings(path, categories=["1", "2", "3", "4"], duplicates="keep")
    out = {}
    for k, m in METHODS.items():
        lab = m().fit(ann).labels_.astype(str)
        out[k] = float(np.mean([lab.loc[str(i + 1)] == t for i, t in enumerate(truth)]))
    return out


def render(result: dict, ds1979: dict | None) -> list[str]:
    rows, peer_names = result["rows"], result["peer_names"]
    ck_ds = peer_names[0] if peer_names else None

    def ref_ds(r):  # crowd-kit's DawidSkene: this run, else the README's figure
        return r["peers"][ck_ds] if ck_ds else r["readme"][1]

    head = [
        "data set",
        "items",
        *METHODS,
        *peer_names,
        "README crowd-kit MV",
        "README crowd-kit DS",
    ]
    lines = [
        "# Aggregation accuracy on public crowd-annotation sets",
        "",
        f"raer_agreement {__version__}, generated by `benchmarks/accuracy_table.py`. Accuracy on "
        "the gold items that have ratings; every method with its **default** options.",
        "",
        "- MV: majority vote, ties to the lowest label (crowd-kit's rule; the package's default "
        "tie policy is a seeded random draw). Wawa: one re-weighting step.",
        "- DS: Dawid-Skene, full confusion matrices, `smoothing=0` (maximum likelihood, as the "
        "1979 paper and crowd-kit). DS one-coin: `smoothing=0`. DS class-cond.: `smoothing=1` "
        "(Laplace). GLAD: the priors of Whitehill et al. (2009), uniform class prior. MACE: "
        "variational, alpha = beta = 0.5, 10 restarts, seed 0 (Hovy et al. 2013).",
        "- crowd-kit columns were run in the same process on the same `Annotations` "
        "(`to_crowdkit()`): DawidSkene and OneCoinDawidSkene with n_iter=100, GLAD and MACE "
        "with their defaults (MACE seed 0). README columns: the figures listed in "
        "`shared/datasets/README.md`.",
        "- Bold: best of the row. Nothing was tuned per data set.",
        "",
        "| " + " | ".join(head) + " |",
        "|---|---:|" + "---:|" * (len(head) - 2),
    ]
    for name, r in rows.items():
        vals = [a for a, _ in r["ours"].values()] + [r["peers"][p] for p in peer_names]
        line = fmt_row(name, vals)
        line = line.replace(f"| {name} |", f"| {name} | {r['items']} |", 1)
        lines.append(line + f" {r['readme'][0]:.4f} | {r['readme'][1]:.4f} |")
    means = [np.mean([r["ours"][k][0] for r in rows.values()]) for k in METHODS]
    means += [np.mean([r["peers"][p] for r in rows.values()]) for p in peer_names]
    readme_means = [np.mean([r["readme"][j] for r in rows.values()]) for j in (0, 1)]
    lines.append(
        "| **mean** | | "
        + " | ".join(f"{m:.4f}" for m in means)
        + f" | {readme_means[0]:.4f} | {readme_means[1]:.4f} |"
    )

    ref_name = ck_ds or "README crowd-kit DS"
    ref_mean = np.mean([ref_ds(r) for r in rows.values()])
    lines += [
        "",
        "## Defaults against the acceptance rule",
        "",
        "Rule: mean accuracy at least the peer's, and no set more than "
        f"{100 * MAX_GAP:.0f} point below it. The peer is crowd-kit's implementation of the same "
        f"model where it has one, else {ref_name}. Gaps = ours - theirs, in accuracy points. "
        "One-coin and GLAD are far below DawidSkene on bluebirds whatever their options: "
        "their models, not their defaults, are the limit there.",
        "",
        "| method | peer | mean | peer mean | worst set | worst gap | sets below by > 0.5 | "
        f"rule met | worst gap to {ref_name} |",
        "|---|---|---:|---:|---|---:|---:|---|---:|",
    ]
    for k, peer in RULE_PEERS.items():
        if peer not in peer_names:
            peer = ck_ds
        theirs = {n: (r["peers"][peer] if peer else ref_ds(r)) for n, r in rows.items()}
        gaps = {n: r["ours"][k][0] - theirs[n] for n, r in rows.items()}
        worst = min(gaps, key=gaps.get)
        mean, peer_mean = (
            np.mean([r["ours"][k][0] for r in rows.values()]),
            np.mean(list(theirs.values())),
        )
        ok = mean >= peer_mean - 1e-12 and gaps[worst] >= -MAX_GAP - 1e-9
        to_ds = min(r["ours"][k][0] - ref_ds(r) for r in rows.values())
        lines.append(
            f"| {k} | {peer or ref_name} | {mean:.4f} | {peer_mean:.4f} | {worst} | "
            f"{100 * gaps[worst]:+.2f} | {sum(g < -0.005 for g in gaps.values())} | "
            f"{'yes' if ok else '**no**'} | {100 * to_ds:+.2f} |"
        )

    lines += [
        "",
        "## Dawid-Skene family: accuracy by smoothing (the evidence behind the defaults)",
        "",
        "`smoothing` = Dirichlet pseudo-count per confusion cell: 0 = maximum likelihood, "
        "0.1 = the former default, 0.5 = Jeffreys, 1 = Laplace.",
        "",
        "| data set | "
        + " | ".join(f"{f} {s:g}" for f in FAMILY for s in SMOOTHING_GRID)
        + f" | {ref_name} |",
        "|---|" + "---:|" * (len(FAMILY) * len(SMOOTHING_GRID) + 1),
    ]
    for name, r in rows.items():
        vals = [r["grid"][(f, s)] for f in FAMILY for s in SMOOTHING_GRID]
        lines.append(fmt_row(name, vals + [ref_ds(r)], bold_best=False))
    gm = [
        np.mean([r["grid"][(f, s)] for r in rows.values()]) for f in FAMILY for s in SMOOTHING_GRID
    ]
    lines.append("| **mean** | " + " | ".join(f"{m:.4f}" for m in gm) + f" | {ref_mean:.4f} |")
    lines += [
        "",
        "Reading: larger pseudo-counts raise the mean on these sets, but a value picked this way "
        "is tuned to them: the former default 0.1 (picked on these sets) was 0.8-2.7 accuracy "
        "points below crowd-kit's DawidSkene on 4 of 9 further public sets, where maximum "
        "likelihood stayed within 0.5 point on 8 of 9. Maximum likelihood meets the rule here "
        "for DS and one-coin, so it is their default. The class-conditional model does not "
        "meet it without a prior (weather_sentiment_amt), so it takes Laplace's rule, the "
        "textbook uniform prior, rather than a constant fitted to these sets. The hierarchical "
        "model cannot run on these single-scheme sets; its coarse level is DS, and it follows "
        "DS (`smoothing=0`; on simulated RAER corpora 0 and 0.1 give the same labels).",
    ]
    if ds1979 is not None:
        lines += [
            "",
            "## dawid_skene_1979 (no gold): agreement with the published EM estimate",
            "",
            "Share of the 45 patients given the class of the 1979 paper's estimate "
            "(`shared/reference/agreement_cases.json`).",
            "",
            "| " + " | ".join(ds1979) + " |",
            "|" + "---:|" * len(ds1979),
            "| " + " | ".join(f"{v:.4f}" for v in ds1979.values()) + " |",
        ]
    lines += [
        "",
        "## Where Dawid-Skene loses to majority vote",
        "",
    ]
    worse = [n for n, r in rows.items() if r["ours"]["DS"][0] < r["ours"]["MV"][0]]
    lines.append(
        "DS (default) is less accurate than plain majority vote on: "
        + ", ".join(worse)
        + ". EM is not always better; measure it on your data."
        if worse
        else "Nowhere on these sets."
    )
    lines += [
        "",
        "## Seconds per fit (this machine, one run; compare ratios only)",
        "",
        "| data set | " + " | ".join(METHODS) + " |",
        "|---|" + "---:|" * len(METHODS),
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{t:.3f}" for _, t in r["ours"].values()) + " |")
    return lines


def main(argv=None) -> int:
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=repo.parent / "shared")
    ap.add_argument("--out", type=Path, default=repo / "benchmarks" / "ACCURACY.md")
    args = ap.parse_args(argv)
    data = args.shared / "datasets"
    if not (data / "README.md").is_file():
        print(f"no public data sets at {data}; nothing to measure", file=sys.stderr)
        return 1
    lines = render(measure(data), ds1979_agreement(args.shared))
    atomic_write_text(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
