"""The annotation budget plan: votes per clip needed, and where to spend more."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._json import to_jsonable
from ..aggregation.base import annotations_and_scheme, gold_codes
from ..metrics.bootstrap import as_generator
from ._votes import PLAN_METHODS, Refitter, Votes
from .adaptive import STRATEGIES, next_clips, simulate_adaptive
from .per_k import per_k_resampling
from .soft_labels import rank_soft_label_methods

__all__ = ["Plan", "plan", "parse_target", "reached_k", "TARGET_METRICS"]

#: ``--target`` names and the per-k column each one reads.
TARGET_METRICS = {
    "accuracy": "agreement_with_full",
    "agreement": "agreement_with_full",
    "uar": "uar_with_full",
    "expected_accuracy": "expected_accuracy",
    "truth_accuracy": "accuracy_vs_truth",
    "truth_uar": "uar_vs_truth",
}


def parse_target(text: str) -> tuple[str, float]:
    """``"uar=0.95"`` -> ``("uar", 0.95)``.

    Examples
    --------
    >>> parse_target("accuracy=0.98")
    ('accuracy', 0.98)
    """
    m = re.fullmatch(r"\s*([a-z_]+)\s*=\s*([0-9.]+)\s*", str(text))
    if not m or m.group(1) not in TARGET_METRICS or not 0 < float(m.group(2)) <= 1:
        raise ValueError(
            f"target must look like NAME=VALUE with NAME one of {', '.join(TARGET_METRICS)} "
            f"and 0 < VALUE <= 1; got {text!r}"
        )
    return m.group(1), float(m.group(2))


@dataclass
class Plan:
    """Result of :func:`plan`.

    Attributes
    ----------
    per_k : DataFrame
        One row per k (see :func:`~raer_agreement.planning.per_k.per_k_resampling`).
    recall : DataFrame, shape (n_k, q)
        Per-class recall of the k-vote labels against the full-panel labels.
    adaptive : DataFrame
        Label quality against ratings spent, per strategy.
    queue : DataFrame
        The next clips to annotate.
    conclusion : str
        The smallest k whose 95% CI lower bound reaches the target (and the
        k where only the point estimate does), naming the quantity and the
        clips averaged over.
    advice : str
        One sentence: k votes, and which way of spending more does best on
        the stated objective (against the truth when it is known).
    settings : dict
        Method, scheme, seed, resamples and the rest: enough to rerun.
    soft_labels : DataFrame or None
        Ranking of soft-label methods, when computed.
    timings : dict
        Seconds spent per stage (not in :meth:`to_dict`, which stays
        deterministic for a given input and seed).
    """

    per_k: pd.DataFrame
    recall: pd.DataFrame
    adaptive: pd.DataFrame
    queue: pd.DataFrame
    conclusion: str
    advice: str
    settings: dict
    soft_labels: pd.DataFrame | None = None
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON document of ``plan --json``: ``per_k``, ``adaptive``,
        ``conclusion`` and the rest."""
        return to_jsonable(
            {
                "conclusion": self.conclusion,
                "advice": self.advice,
                "settings": self.settings,
                "per_k": self.per_k.to_dict("records"),
                "recall_with_full": {str(k): row.to_dict() for k, row in self.recall.iterrows()},
                "adaptive": {
                    "start_k": self.settings["start_k"],
                    "strategies": list(self.adaptive["strategy"].unique())
                    if len(self.adaptive)
                    else [],
                    "curve": self.adaptive.to_dict("records"),
                    "summary": adaptive_summary(self.adaptive, self.settings["n_items"]),
                },
                "soft_labels": None
                if self.soft_labels is None
                else {
                    "recommended": json.loads(self.soft_labels["params"].iloc[0]),
                    "criterion": "split-half negative log-likelihood of the other half's votes",
                    "ranking": self.soft_labels.to_dict("records"),
                },
                "queue_head": self.queue.head(20).to_dict("records"),
            }
        )


def adaptive_summary(curve: pd.DataFrame, n_items: int, extra: int | None = None) -> dict:
    """Each strategy at the first step spending at least ``extra`` ratings
    (default one per clip on average), for equal-cost comparisons."""
    if curve is None or not len(curve):
        return {}
    extra = int(n_items if extra is None else extra)
    top = int(curve["extra_ratings"].max())
    extra = min(extra, top)
    out: dict[str, Any] = {"extra_ratings": extra, "strategies": {}}
    for s, g in curve.groupby("strategy", sort=False):
        row = g[g["extra_ratings"] >= extra].iloc[0]
        start = g.iloc[0]
        cols = [
            c
            for c in ("agreement_with_full", "uar_with_full", "accuracy_vs_truth", "uar_vs_truth")
            if c in g
        ]
        out["strategies"][s] = {
            "n_ratings": int(row["n_ratings"]),
            **{c: float(row[c]) for c in cols},
            **{f"start_{c}": float(start[c]) for c in cols},
        }
    return out


def _pct(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


#: Lower bound of the 95% interval of each per-k column.
CI_LOW = {
    "agreement_with_full": "ci_low",
    "uar_with_full": "uar_ci_low",
    "expected_accuracy": "expected_accuracy_ci_low",
    "accuracy_vs_truth": "accuracy_ci_low",
    "uar_vs_truth": "uar_vs_truth_ci_low",
}


def _quantity(col: str, k_full: int) -> str:
    """What a per-k column measures, in words."""
    return {
        "agreement_with_full": f"agreement with the {k_full}-vote (full-panel) labels",
        "uar_with_full": f"UAR against the {k_full}-vote (full-panel) labels",
        "expected_accuracy": "expected accuracy (under the full-panel posterior)",
        "accuracy_vs_truth": "accuracy against the truth",
        "uar_vs_truth": "UAR against the truth",
    }[col]


def reached_k(per_k: pd.DataFrame, target) -> tuple[int | None, int | None]:
    """The smallest k whose 95% CI lower bound reaches the target, and the
    smallest k whose point estimate does (None when there is none).

    Examples
    --------
    >>> t = pd.DataFrame({"k": [1, 2, 3], "agreement_with_full": [0.90, 0.96, 0.98],
    ...                   "ci_low": [0.88, 0.94, 0.96]})
    >>> reached_k(t, ("accuracy", 0.95))
    (3, 2)
    """
    col = TARGET_METRICS[target[0]]
    if col not in per_k:
        return None, None
    point = per_k[per_k[col] >= target[1]]
    lo = CI_LOW[col]
    sure = per_k[per_k[lo] >= target[1]] if lo in per_k else per_k.iloc[:0]
    return _first_k(sure), _first_k(point)


def _first_k(rows: pd.DataFrame) -> int | None:
    return int(rows["k"].iloc[0]) if len(rows) else None


def _over(r) -> str:
    """The clips a per-k figure is averaged over."""
    n, short = int(r["n_clips"]), int(r.get("n_clips_short", 0) or 0)
    return f"mean over the {n:,} clips with at least {int(r['k'])} ratings" + (
        f"; {short:,} with fewer left out" if short else ""
    )


def _conclusion(per_k: pd.DataFrame, target, k_full: int) -> str:
    name, value = target
    col = TARGET_METRICS[name]
    if col not in per_k:
        return f"target {name}={value} needs {col.replace('_', ' ')}, which is not available here"
    what = _quantity(col, k_full)
    goal = f"the target {name}={value:g} ({what} of at least {_pct(value)})"
    sure, point = reached_k(per_k, target)
    if point is None:
        best = per_k.loc[per_k[col].idxmax()]
        return (
            f"no k up to {int(per_k['k'].max())} reaches {goal}: the best is "
            f"{_pct(best[col])} {what} at k={int(best['k'])} ({_over(best)})"
        )

    def figure(k):
        r = per_k[per_k["k"] == k].iloc[0]
        lo = r.get(CI_LOW[col])
        ci = f", 95% CI from {_pct(lo)}" if lo is not None and np.isfinite(lo) else ""
        return r, f"{_pct(r[col])} {what}{ci}; {_over(r)}"

    r, fig = figure(sure if sure is not None else point)
    if sure is None:
        return (
            f"k={point} votes per clip: the point estimate reaches {goal}, the 95% CI does not "
            f"at any k up to {int(per_k['k'].max())} ({fig})"
        )
    text = (
        f"k={sure} votes per clip reach {goal} with the 95% CI: {fig}; "
        f"{r['cost_share']:.0%} of the ratings ({int(r['n_ratings']):,})"
    )
    if point < sure:
        text += f". At k={point} the point estimate reaches it; the 95% CI does not"
    return text


#: The adaptive-curve column each target is judged on, without and with the truth.
OBJECTIVE = {
    "agreement_with_full": ("agreement_with_full", "accuracy_vs_truth"),
    "expected_accuracy": ("agreement_with_full", "accuracy_vs_truth"),
    "uar_with_full": ("uar_with_full", "uar_vs_truth"),
    "accuracy_vs_truth": ("accuracy_vs_truth", "accuracy_vs_truth"),
    "uar_vs_truth": ("uar_vs_truth", "uar_vs_truth"),
}


def objective_column(target, curve: pd.DataFrame) -> str:
    """The adaptive-curve column that decides between strategies: the
    target's quantity, against the truth (gold) when the curve has it."""
    plain, truth = OBJECTIVE[TARGET_METRICS[target[0]]]
    if curve is not None and truth in getattr(curve, "columns", ()):
        return truth
    return plain


def best_strategy(summ: dict, objective: str) -> str | None:
    """The strategy with the highest ``objective`` at equal cost (uniform
    included: adaptive spending is advised only when it does better)."""
    strat = summ.get("strategies", {})
    scored = {k: v[objective] for k, v in strat.items() if objective in v}
    if not scored:
        return None
    # uniform first: a tie goes to the simpler way of spending
    order = sorted(scored, key=lambda k: k != "uniform")
    return max(order, key=lambda k: scored[k])


def _advice(
    per_k: pd.DataFrame,
    curve: pd.DataFrame,
    start_k: int,
    n_items: int,
    k_full: int,
    target=("accuracy", 0.95),
) -> str:
    row = per_k[per_k["k"] == start_k]
    if not len(row):
        return ""
    row = row.iloc[0]
    text = (
        f"{start_k} votes per clip reach {_pct(row['agreement_with_full'])} agreement with the "
        f"{k_full}-vote (full-panel) labels ({_over(row)})"
    )
    summ = adaptive_summary(curve, n_items)
    if "uniform" not in summ.get("strategies", {}) or len(summ["strategies"]) < 2:
        return text + "."
    objective = objective_column(target, curve)
    best = best_strategy(summ, objective)
    if best is None:  # no strategy has the objective: nothing to compare
        return text + "."
    u = summ["strategies"]["uniform"]
    per_clip = summ["extra_ratings"] / max(n_items, 1)
    spend = f"spending {summ['extra_ratings']:,} more ratings ({per_clip:.1f} per clip on average)"
    what = _quantity(objective, k_full)
    if best == "uniform":
        others = {k: v for k, v in summ["strategies"].items() if k != "uniform"}
        runner = max(others, key=lambda k: others[k].get(objective, -np.inf))
        return (
            f"{text}; {spend} uniformly reaches {_pct(u[objective])} {what}, at least as "
            f"much as on the least certain clips ({runner.replace('_', ' ')}: "
            f"{_pct(others[runner].get(objective))}): spend uniformly."
        )
    b = summ["strategies"][best]
    return (
        f"{text}; {spend} on the least certain clips ({best.replace('_', ' ')}) reaches "
        f"{_pct(b[objective])} {what}, against {_pct(u[objective])} spent uniformly."
    )


def plan(
    data,
    scheme: str | None = None,
    *,
    method: str = "dawid-skene",
    truth=None,
    ks=None,
    n_resamples: int = 200,
    n_boot: int = 1000,
    n_coefficient_resamples: int = 5,
    target: str | tuple = "accuracy=0.95",
    start_k: int | None = None,
    strategies=STRATEGIES,
    batch: float = 0.05,
    budget: int | None = None,
    n_runs: int = 1,
    queue_size: int = 200,
    soft_labels: bool = False,
    n_splits: int = 5,
    seed: int = 0,
) -> Plan:
    """How many votes per clip are needed, and which clips deserve more.

    Parameters
    ----------
    data : Annotations or long DataFrame
    scheme : str, optional
        Default: the first scheme.
    method : {"majority", "dawid-skene", "hierarchical"}
        Aggregator re-run on every vote subset.
    truth : Series, mapping or array of codes, optional
        True labels (simulation or gold), clip id -> label.
    ks : sequence of int, optional
        Default ``1 .. max ratings per clip``.
    n_resamples : int
        Vote subsets per k.
    n_boot : int
        Bootstrap draws over clips for the intervals.
    n_coefficient_resamples : int
        Subsets per k that also get alpha and AC1 with CIs.
    target : str or (name, value)
        ``"accuracy=0.98"`` (agreement with the full-panel labels),
        ``"uar=0.95"``, or a name of :data:`TARGET_METRICS`.  A k reaches
        it when the lower bound of its 95% CI does.
    start_k : int, optional
        Votes per clip before adaptive spending (default: the smallest k
        reaching the target, at most the maximum minus one).
    strategies, batch, budget, n_runs
        See :func:`~raer_agreement.planning.adaptive.simulate_adaptive`.
    queue_size : int
        Clips in the queue of next clips to annotate.
    soft_labels : bool
        Also rank the soft-label methods by split-half prediction.
    n_splits : int
        Split-halves for that ranking.
    seed : int
        Seeds every random draw (recorded in ``settings``).

    Returns
    -------
    Plan

    Examples
    --------
    >>> from raer_agreement.simulate import simulate_corpus, SimulationParams
    >>> c = simulate_corpus(SimulationParams(train_counts=(60, 10, 5, 10, 15),
    ...     test_counts=(0, 0, 0, 0, 0), n_annotators=6, ratings_per_clip=5), seed=1)
    >>> p = plan(c.annotations, "coarse", truth=c.truth["coarse"], n_resamples=5, n_boot=100)
    >>> p.per_k["k"].iloc[:3].tolist(), p.settings["seed"]
    ([1, 2, 3], 0)
    """
    t0 = time.perf_counter()
    ann, scheme = annotations_and_scheme(data, scheme)
    if method not in PLAN_METHODS:
        raise ValueError(f"method must be one of {', '.join(PLAN_METHODS)}; got {method!r}")
    target = parse_target(target) if isinstance(target, str) else tuple(target)
    rng = as_generator(seed)
    p = _panel(ann, scheme, method, truth, rng)
    timings = {"full_fit": time.perf_counter() - t0}

    t = time.perf_counter()
    pk = per_k_resampling(
        p.votes,
        p.refitter,
        p.full_labels,
        reference_posteriors=p.ref_post,
        truth=p.truth,
        ks=ks,
        n_resamples=n_resamples,
        n_coefficient_resamples=n_coefficient_resamples,
        n_boot=n_boot,
        rng=rng,
    )
    timings["per_k"] = time.perf_counter() - t
    if start_k is None:
        start_k = _default_start_k(pk.table, target, p.k_full)

    t = time.perf_counter()
    curve = _adaptive_curve(p, start_k, strategies, batch, budget, n_runs, rng)
    timings["adaptive"] = time.perf_counter() - t
    best = _queue_strategy(curve, ann.n_items, target)
    queue = next_clips(p.votes, p.refitter, best, queue_size, rng=rng)

    ranking = None
    if soft_labels:
        t = time.perf_counter()
        ranking = rank_soft_label_methods(ann, scheme, n_splits=n_splits, seed=seed)
        timings["soft_labels"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    runs = dict(
        method=method,
        seed=seed,
        n_resamples=n_resamples,
        n_boot=n_boot,
        n_coefficient_resamples=n_coefficient_resamples,
        batch=batch,
        n_runs=n_runs,
    )
    return Plan(
        pk.table,
        pk.recall,
        curve,
        queue,
        _conclusion(pk.table, target, p.k_full),
        _advice(pk.table, curve, start_k, ann.n_items, p.k_full, target),
        _settings(p, pk.table, curve, target, start_k, best, **runs),
        ranking,
        timings,
    )


@dataclass
class _Panel:
    """What every step of the plan reads: the votes, their refitter and the full-panel fit."""

    ann: Any
    scheme: str
    votes: Votes
    refitter: Refitter
    full_labels: np.ndarray
    ref_post: Any  # the Dawid-Skene posteriors, or None for anonymous votes
    truth: Any  # gold codes, or None
    k_full: int


def _panel(ann, scheme: str, method: str, truth, rng) -> _Panel:
    """The votes of the scheme and the full-panel fit that every vote subset is compared with."""
    votes = Votes.of(ann, scheme)
    if len(votes.item) == 0:
        raise ValueError(f"no ratings in scheme {scheme!r}")
    refitter = Refitter(votes, method)
    full_labels, ref_post = _full_panel(refitter, votes, method, ann.anonymous, rng)
    g = gold_codes(truth, ann, scheme) if truth is not None else None
    k_full = int(votes.n_per_item.max())
    return _Panel(ann, scheme, votes, refitter, full_labels, ref_post, g, k_full)


def _default_start_k(table: pd.DataFrame, target, k_full: int) -> int:
    """The smallest k whose CI reaches the target, kept within 1 .. k_full - 1."""
    sure, _ = reached_k(table, target)
    start_k = sure if sure is not None else max(1, k_full - 1)
    return max(1, min(start_k, k_full - 1))


def _adaptive_curve(p: _Panel, start_k, strategies, batch, budget, n_runs, rng) -> pd.DataFrame:
    """The adaptive simulation, or an empty frame when no strategy or no vote is left to spend."""
    if not (strategies and p.k_full > start_k):
        return pd.DataFrame()
    return simulate_adaptive(
        p.votes,
        p.refitter,
        p.full_labels,
        truth=p.truth,
        start_k=start_k,
        strategies=strategies,
        batch=batch,
        budget=budget,
        n_runs=n_runs,
        rng=rng,
    )


def _settings(
    p: _Panel,
    table,
    curve,
    target,
    start_k,
    best,
    *,
    method,
    seed,
    n_resamples,
    n_boot,
    n_coefficient_resamples,
    batch,
    n_runs,
) -> dict:
    """The plan's ``settings``: every choice made, the seed and the size of the data."""
    col = TARGET_METRICS[target[0]]
    g = p.truth
    return {
        "scheme": p.scheme,
        "method": method,
        "seed": int(seed),
        "n_resamples": int(n_resamples),
        "n_boot": int(n_boot),
        "n_coefficient_resamples": int(n_coefficient_resamples),
        "resampling": "k ratings of every clip drawn without replacement, nested over k, "
        "from numpy.random.default_rng(seed); CIs: percentile bootstrap over clips",
        "target": f"{target[0]}={target[1]:g}",
        "target_quantity": _quantity(col, p.k_full) if col in table else col,
        "objective": objective_column(target, curve),
        "start_k": int(start_k),
        "queue_strategy": best,
        "batch": float(batch),
        "n_runs": int(n_runs),
        **_data_settings(p.ann, p.votes, p.k_full),
        "truth": g is not None and bool((g >= 0).any()),
    }


def _full_panel(refitter, votes, method: str, anonymous: bool, rng):
    """The full-panel labels, and the Dawid-Skene posteriors the per-k rows are
    compared with (None for anonymous votes, which Dawid-Skene cannot fit)."""
    full_post, full_labels = refitter.fit_full(rng=rng)
    if method == "dawid-skene":
        ref_post = full_post
    elif not anonymous:
        ref_post = Refitter(votes, "dawid-skene").fit_full()[0]
    else:
        ref_post = None
    return full_labels, ref_post


def _queue_strategy(curve: pd.DataFrame, n_items: int, target) -> str:
    """The adaptive strategy that does best on the stated objective (the queue follows it)."""
    summ = adaptive_summary(curve, n_items)
    adaptive_only = {k: v for k, v in summ.get("strategies", {}).items() if k != "uniform"}
    if not adaptive_only:
        return "expected_change"
    best = best_strategy({"strategies": adaptive_only}, objective_column(target, curve))
    return "expected_change" if best is None else best


def _data_settings(ann, votes, k_full: int) -> dict:
    """The size of the data planned on, for ``settings``."""
    return {
        "n_items": int(ann.n_items),
        "n_ratings": int(len(votes.item)),
        "max_ratings_per_clip": k_full,
        "clips_with_fewer_than_max": int((votes.n_per_item < k_full).sum()),
        "clips_by_ratings": {
            int(r): int(c) for r, c in zip(*np.unique(votes.n_per_item, return_counts=True))
        },
    }
