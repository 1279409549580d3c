"""Which clips deserve more votes: adaptive re-annotation, simulated on
held-back votes.

Each clip starts with ``start_k`` of its ratings (a seeded random order);
the rest are held back and revealed one at a time, in batches.  ``uniform``
reveals them round-robin (every clip gets its next vote before any gets two
more); the adaptive strategies refit the aggregator after each batch and
reveal the next vote of the clips whose posterior is least certain:

``entropy``
    posterior entropy;
``margin``
    one minus the gap between the two largest posterior probabilities;
``expected_change``
    the probability that one more vote changes the label, under the
    posterior and the pooled vote confusion ``P(vote | true class)``
    estimated from the current posteriors and votes (for Dawid-Skene this
    is its annotators' confusions averaged by their votes).

Every strategy spends the same ratings per batch, so the curves compare
labels at equal cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..aggregation import entropy
from ._votes import Refitter, Votes

__all__ = ["STRATEGIES", "uncertainty", "simulate_adaptive", "next_clips"]

STRATEGIES = ("uniform", "entropy", "margin", "expected_change")


def uncertainty(post: np.ndarray, counts: np.ndarray, strategy: str) -> np.ndarray:
    """How much one more vote may matter, per clip (larger = sooner).

    Parameters
    ----------
    post : ndarray of float, shape (n_items, q)
        Posterior of the true class.
    counts : ndarray of int, shape (n_items, q)
        Current votes (``expected_change`` estimates the vote confusion
        from them).
    strategy : {"entropy", "margin", "expected_change"}

    Returns
    -------
    ndarray of float, shape (n_items,)

    Examples
    --------
    >>> p = np.array([[0.5, 0.5], [0.9, 0.1]])
    >>> uncertainty(p, np.array([[1, 1], [5, 0]]), "margin").round(2).tolist()
    [1.0, 0.2]
    >>> uncertainty(p, np.array([[1, 1], [5, 0]]), "expected_change").round(2).tolist()
    [0.28, 0.0]
    """
    if strategy == "entropy":
        return entropy(post)
    if strategy == "margin":
        top2 = np.sort(post, axis=1)[:, -2:]
        return 1.0 - (top2[:, 1] - top2[:, 0])
    if strategy != "expected_change":
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES[1:])}; got {strategy!r}")
    q = post.shape[1]
    conf = post.T @ counts + 0.5  # expected (true class, vote) counts, lightly smoothed
    conf /= conf.sum(axis=1, keepdims=True)
    label = np.argmax(post, axis=1)
    # posterior after one more vote l, for every l: (n, l, true class)
    upd = post[:, None, :] * conf.T[None, :, :]
    p_vote = upd.sum(axis=2)
    changed = np.argmax(upd, axis=2) != label[:, None]
    return (p_vote * changed).sum(axis=1) + 1e-3 * entropy(post) / np.log(max(q, 2))


def _metrics(lab, full_labels, truth, q):
    ok = full_labels >= 0
    hit = lab[ok] == full_labels[ok]
    rec = [hit[full_labels[ok] == c].mean() for c in range(q) if (full_labels[ok] == c).any()]
    out = {"agreement_with_full": float(hit.mean()), "uar_with_full": float(np.mean(rec))}
    if truth is not None and (truth >= 0).any():
        t = truth >= 0
        th = lab[t] == truth[t]
        rec_t = [th[truth[t] == c].mean() for c in range(q) if (truth[t] == c).any()]
        out.update(accuracy_vs_truth=float(th.mean()), uar_vs_truth=float(np.mean(rec_t)))
    return out


def simulate_adaptive(
    votes: Votes,
    refitter: Refitter,
    full_labels: np.ndarray,
    *,
    truth: np.ndarray | None = None,
    start_k: int = 3,
    strategies=STRATEGIES,
    batch: float = 0.05,
    budget: int | None = None,
    n_runs: int = 1,
    rng=None,
) -> pd.DataFrame:
    """Label quality against ratings spent, uniform vs adaptive.

    Parameters
    ----------
    votes : Votes
    refitter : Refitter
    full_labels : ndarray of int, shape (n_items,)
        Labels from every rating (the reference without truth).
    truth : ndarray of int, shape (n_items,), optional
    start_k : int
        Votes per clip before any extra vote is spent.
    strategies : sequence of str
        Names of :data:`STRATEGIES`.
    batch : float
        Extra votes per step, as a share of the clips.
    budget : int, optional
        Extra ratings at most (default: two per clip; never more than are
        held back).
    n_runs : int
        Independent runs (new vote orders); the curve is their mean.
    rng : numpy.random.Generator

    Returns
    -------
    DataFrame
        One row per strategy and step: ``strategy, step, n_ratings,
        extra_ratings, agreement_with_full, uar_with_full`` and, with
        ``truth``, ``accuracy_vs_truth, uar_vs_truth``.
    """
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad:
        raise ValueError(f"unknown strategy {bad[0]!r}; expected some of: {', '.join(STRATEGIES)}")
    if start_k < 1:
        raise ValueError(f"start_k must be at least 1; got {start_k!r}")
    n = votes.n_items
    size = max(1, int(round(batch * n)))
    held = int(np.maximum(votes.n_per_item - start_k, 0).sum())
    budget = min(2 * n if budget is None else int(budget), held)
    rows: list[dict] = []
    for run in range(int(n_runs)):
        rank = votes.rank(rng)
        tie = rng.random(n)
        for strategy in strategies:
            spend = _Spending(strategy, rank, tie, start_k, size, budget)
            rows += _spend(votes, refitter, full_labels, truth, spend, run, rng)
    return _mean_curve(rows)


@dataclass
class _Spending:
    """One strategy's run: its vote order, tie-breaking draws, start and budget."""

    strategy: str
    rank: np.ndarray  # the order the held-back votes arrive in
    tie: np.ndarray  # per clip, a fixed random order among equals
    start_k: int
    size: int  # extra votes per step
    budget: int


def _spend(votes, refitter, full_labels, truth, sp: _Spending, run: int, rng) -> list[dict]:
    """One strategy: refit, score the clips, give the best ones a vote, until the budget is spent."""
    given = np.minimum(votes.n_per_item, sp.start_k)
    spent, step = 0, 0
    rows = []
    while True:
        mask = sp.rank < given[votes.item]
        post, lab = refitter.fit(mask, rng=rng)
        rows.append(
            {
                "run": run,
                "strategy": sp.strategy,
                "step": step,
                "n_ratings": int(given.sum()),
                "extra_ratings": spent,
                **_metrics(lab, full_labels, truth, votes.q),
            }
        )
        room = given < votes.n_per_item
        take = min(sp.size, sp.budget - spent, int(room.sum()))
        if take <= 0:
            return rows
        if sp.strategy == "uniform":
            score = -given + sp.tie  # fewest votes first, ties in a fixed random order
        else:
            score = uncertainty(post, votes.counts(mask), sp.strategy) + 1e-9 * sp.tie
        score = np.where(room, score, -np.inf)
        pick = np.argpartition(-score, take - 1)[:take]
        given[pick] += 1
        spent += take
        step += 1


def _mean_curve(rows: list[dict]) -> pd.DataFrame:
    """The curve: every strategy's steps averaged over the runs."""
    df = pd.DataFrame(rows)
    keys = ["strategy", "step"]
    mean = df.drop(columns="run").groupby(keys, sort=False).mean().reset_index()
    mean[["n_ratings", "extra_ratings"]] = mean[["n_ratings", "extra_ratings"]].round().astype(int)
    return mean


def next_clips(
    votes: Votes, refitter: Refitter, strategy: str = "expected_change", size: int = 200, rng=None
) -> pd.DataFrame:
    """The queue of clips to send back for more votes, most useful first.

    Parameters
    ----------
    votes : Votes
    refitter : Refitter
    strategy : str
        An adaptive strategy of :data:`STRATEGIES`.
    size : int
        Clips in the queue.

    Returns
    -------
    DataFrame
        ``rank, clip_id`` (the clip path, as RAER names clips), ``n_votes,
        votes`` (e.g. ``"Neutrality 5, Fatigue 4"``), ``label,
        confidence, score`` and the clip metadata columns present
        (``split, session_type, environment, student, num_frames``).
    """
    if strategy == "uniform":
        strategy = "entropy"
    post, lab = refitter.fit(np.ones(len(votes.item), bool), rng=rng)
    counts = votes.counts()
    score = uncertainty(post, counts, strategy)
    order = np.argsort(-score, kind="stable")[: int(size)]
    cats = np.asarray(votes.ann.categories(votes.scheme), dtype=object)
    ids = np.asarray(votes.ann.item_ids, dtype=object)
    text = [
        ", ".join(f"{cats[c]} {counts[i, c]}" for c in np.flatnonzero(counts[i])) for i in order
    ]
    df = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "clip_id": ids[order],
            "n_votes": counts[order].sum(axis=1),
            "votes": text,
            "label": np.where(lab[order] >= 0, cats[np.maximum(lab[order], 0)], ""),
            "confidence": post[order].max(axis=1),
            "score": score[order],
        }
    )
    meta = votes.ann.items
    cols = [
        c
        for c in ("split", "session_type", "environment", "student", "num_frames")
        if c in meta.columns
    ]
    if cols:
        df = df.join(meta[cols].reset_index(drop=True).iloc[order].reset_index(drop=True))
    return df
