"""Speed of the agreement metrics beside the peers, in one run.

1. The whole coefficient table (8 coefficients, SEs, t CIs) with 1,000
   bootstrap resamples over clips, on a RAER-size corpus (2,649 clips x 10
   ratings, 5 classes), against calling ``krippendorff.alpha`` 1,000 times on
   the same data (one alpha per call, no SE, no other coefficient).
2. Krippendorff's alpha from raw ratings at 1,000,000 ratings against the
   ``krippendorff`` package (given its raters x items matrix).
3. Fleiss' kappa from raw ratings against statsmodels
   (``aggregate_raters`` + ``fleiss_kappa``), and from a counts table.
4. With ``--big``: the coefficient table without bootstrap at 10,000,000
   ratings (time and peak memory).

Run: ``.venv/bin/python benchmarks/bench_agreement.py [--big]``.  Prints
ratios (peer time / our time: above 1 means we are faster).  Corpora come
from a small numpy generator (RAER-like class priors, annotator confusions),
so the script needs nothing but the package and the peers.
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import numpy as np

from raer_agreement import Annotations, Taxonomy
from raer_agreement.metrics import agreement_table, fleiss_kappa, krippendorff_alpha

PRIORS = np.array([1383, 129, 30, 157, 422], dtype=float) / 2121  # RAER train class shares
CATEGORIES = ["Neutrality", "Enjoyment", "Confusion", "Fatigue", "Distraction"]


def corpus(n_items: int, per_item: int = 10, n_annotators: int = 14, seed: int = 0):
    """Integer codes of ``n_items * per_item`` ratings, each clip rated by
    ``per_item`` distinct annotators with their own confusion matrix."""
    rng = np.random.default_rng(seed)
    q = len(PRIORS)
    truth = rng.choice(q, size=n_items, p=PRIORS)
    acc = rng.uniform(0.55, 0.9, size=(n_annotators, q))
    conf = np.empty((n_annotators, q, q))
    for a in range(n_annotators):
        off = rng.dirichlet(np.ones(q - 1) * 2, size=q)
        for k in range(q):
            row = np.insert(off[k] * (1 - acc[a, k]), k, acc[a, k])
            conf[a, k] = row
    # per_item distinct annotators per clip: argsort of random keys
    who = np.argsort(rng.random((n_items, n_annotators)), axis=1)[:, :per_item]
    item = np.repeat(np.arange(n_items), per_item)
    ann = who.ravel()
    cum = conf[ann, truth[item]].cumsum(1)
    label = (rng.random(len(item))[:, None] > cum).sum(1).clip(0, q - 1)
    return item, ann, label, n_annotators


def as_annotations(item, ann, label, n_annotators) -> Annotations:
    tax = Taxonomy.from_categories({"label": CATEGORIES})
    n_items = int(item.max()) + 1
    return Annotations(
        item,
        ann,
        {"label": label},
        [f"c{i}" for i in range(n_items)],
        [f"a{a}" for a in range(n_annotators)],
        tax,
    )


def best_of(fn, repeat=3):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--big", action="store_true", help="also time the table at 10,000,000 ratings")
    p.add_argument("--n-boot", type=int, default=1000)
    args = p.parse_args(argv)
    import krippendorff
    from statsmodels.stats import inter_rater as ir

    warnings.simplefilter("ignore")
    print("== 1. RAER size: 2,649 clips x 10 ratings, 5 classes")
    item, ann, label, r = corpus(2649, 10, 14, seed=1)
    A = as_annotations(item, ann, label, r)
    mat = np.full((r, 2649), np.nan)
    mat[ann, item] = label
    domain = np.arange(5)
    t_ours, table = best_of(lambda: agreement_table(A, n_boot=args.n_boot, rng=0), repeat=3)
    t_one, _ = best_of(
        lambda: krippendorff.alpha(
            reliability_data=mat, value_domain=domain, level_of_measurement="nominal"
        ),
        repeat=5,
    )
    t_kd = t_one * args.n_boot
    counts = A.counts()
    t_one_vc, _ = best_of(
        lambda: krippendorff.alpha(
            value_counts=counts, value_domain=domain, level_of_measurement="nominal"
        ),
        repeat=5,
    )
    print(f"our table (8 coefficients + SEs + {args.n_boot} bootstrap resamples): {t_ours:.3f} s")
    print(
        f"krippendorff.alpha x {args.n_boot} (reliability_data, raters x items): {t_kd:.3f} s "
        f"({t_one * 1e3:.2f} ms per call)"
    )
    print(
        f"krippendorff.alpha x {args.n_boot} (value_counts given): {t_one_vc * args.n_boot:.3f} s"
    )
    print(
        f"RATIO table+bootstrap vs krippendorff.alpha x {args.n_boot}: {t_kd / t_ours:.1f}x faster "
        f"(vs the value_counts form: {t_one_vc * args.n_boot / t_ours:.1f}x)"
    )
    a_ours = table.set_index("coefficient").loc["krippendorff_alpha", "estimate"]
    a_ref = krippendorff.alpha(
        reliability_data=mat, value_domain=domain, level_of_measurement="nominal"
    )
    print(
        f"alpha ours {a_ours:.15f} vs krippendorff {a_ref:.15f} (|diff| {abs(a_ours - a_ref):.1e})"
    )

    print(
        "\n== 2. Krippendorff's alpha from raw ratings, 1,000,000 ratings (100,000 clips x 10, 50 annotators)"
    )
    item, ann, label, r = corpus(100_000, 10, 50, seed=2)
    t_build, A = best_of(lambda: as_annotations(item, ann, label, r), repeat=1)
    t_ours, a_ours = best_of(lambda: krippendorff_alpha(A)["estimate"], repeat=3)
    mat = np.full((r, 100_000), np.nan)
    mat[ann, item] = label
    t_kd, a_ref = best_of(
        lambda: krippendorff.alpha(
            reliability_data=mat, value_domain=domain, level_of_measurement="nominal"
        ),
        repeat=3,
    )
    print(
        f"ours (alpha + SE from integer codes): {t_ours:.3f} s; krippendorff.alpha: {t_kd:.3f} s; "
        f"RATIO {t_kd / t_ours:.1f}x; |diff| {abs(a_ours - a_ref):.1e}"
    )

    print("\n== 3. Fleiss' kappa, same 1,000,000 ratings")
    # statsmodels needs items x raters with one column per rating slot
    slots = label.reshape(100_000, 10)
    t_ours, k_ours = best_of(lambda: fleiss_kappa(A)["estimate"], repeat=3)
    t_sm, k_sm = best_of(lambda: ir.fleiss_kappa(ir.aggregate_raters(slots, n_cat=5)[0]), repeat=3)
    counts_1m = A.counts()
    t_sm_counts, _ = best_of(lambda: ir.fleiss_kappa(counts_1m), repeat=3)
    print(
        f"ours (kappa + SE from raw codes): {t_ours:.3f} s; statsmodels aggregate_raters + fleiss_kappa: "
        f"{t_sm:.3f} s; RATIO {t_sm / t_ours:.1f}x; |diff| {abs(k_ours - k_sm):.1e}"
    )
    print(
        f"statsmodels fleiss_kappa from a ready counts table (no SE): {t_sm_counts:.4f} s "
        f"(ratio vs ours from raw: {t_sm_counts / t_ours:.2f}x)"
    )

    if args.big:
        print(
            "\n== 4. Coefficient table without bootstrap, 10,000,000 ratings (1,000,000 clips x 10, 50 annotators)"
        )
        item, ann, label, r = corpus(1_000_000, 10, 50, seed=3)
        A = as_annotations(item, ann, label, r)
        del item, ann, label
        t, tab = best_of(lambda: agreement_table(A, n_boot=0), repeat=1)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(tab[["coefficient", "estimate", "se"]].to_string(index=False))
        print(f"time {t:.1f} s, peak RSS of this process {rss:.0f} MB")


if __name__ == "__main__":
    main()
