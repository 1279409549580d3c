"""Rules that turn raw vote counts into training targets, as affect data sets
publish them.

Generic rules (any scheme), applied in this order by
:func:`apply_vote_rules`:

1. *noise*: a class with fewer than ``min_class_votes`` votes in a clip loses
   them (FER+ drops single votes);
2. *excluded classes*: votes for classes that are not targets (FER+'s
   ``unknown`` and ``NF``, "not a face") are removed and the rest
   renormalised;
3. *coverage*: a clip whose kept votes are less than ``min_kept_share`` of
   all its votes is left out.

FER+ recipes (Barsoum, Zhang, Canton Ferrer & Zhang 2016, "Training deep
networks for facial expression recognition with crowd-sourced label
distribution", arXiv:1608.01041), :func:`ferplus_targets`.  The rules follow
the reader of the public FER+ repository (``src/ferplus.py``): single votes
are dropped first; ``S`` is the number of votes left, *including* the
excluded classes; classes are visited in column order.

``majority``
    The class holding more than half of ``S``; one-hot.
``crossentropy``
    Take the classes with the most votes (all tied classes at once, in
    column order), then the next level, ... while the taken votes are below
    ``0.75 S``, fewer than 3 classes are taken and no excluded class has
    come up.  An excluded class reached after another class is not taken.
    The target is proportional to the taken votes; the clip is left out when
    they are at most ``0.5 S`` or more than 3 classes were taken.
``probability``
    The same distribution; FER+ draws one class from it per epoch.  The
    hard label here is one seeded draw.
``multitarget``
    Every class with at least ``0.3 S`` votes, left out when they hold at
    most ``0.5 S``.  The target is uniform over those classes (FER+ trains
    on ``(1 - 0.001) * mask + 0.001``).

In every recipe a clip is left out when its target's top class is an
excluded class; the excluded columns are then dropped and the target
renormalised over the remaining classes.  (The published reader tests the
top class against ``emotion_count - 2`` with ``emotion_count = 8``, which
also drops clips whose top class is ``fear`` or ``contempt``; its comment and
the paper keep all eight emotions, and so does this module.)
"""

from __future__ import annotations

import numpy as np

__all__ = ["FERPLUS_MODES", "FERPLUS_EXCLUDED", "apply_vote_rules", "ferplus_targets"]

FERPLUS_MODES = ("majority", "probability", "crossentropy", "multitarget")
#: The FER+ classes that are not emotions.
FERPLUS_EXCLUDED = ("unknown", "NF")

# reasons a clip gets no target (keys of the left-out counts)
NO_KEPT_VOTES = "no votes left after the rules"
LOW_SHARE = "kept votes below min_kept_share"
NO_TARGET = "no target under the recipe's rule"
EXCLUDED_TOP = "top class is an excluded class"


def apply_vote_rules(
    counts: np.ndarray,
    excluded: np.ndarray,
    *,
    min_class_votes: int = 1,
    min_kept_share: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Drop noise votes and excluded classes; flag clips with too little left.

    Parameters
    ----------
    counts : ndarray of int, shape (n, q)
        Votes per clip and class.
    excluded : ndarray of bool, shape (q,)
        Classes that are not targets.
    min_class_votes : int, default 1
        A class with fewer votes in a clip loses them.
    min_kept_share : float in [0, 1], default 0
        A clip whose kept votes are below this share of all its votes is
        flagged.

    Returns
    -------
    kept : ndarray of int, shape (n, q_kept)
        Votes of the classes that are not excluded, noise removed.
    reason : ndarray of object, shape (n,)
        ``""`` for a usable clip, else why it has no target.

    Examples
    --------
    FER+-like rules on one clip: 6 neutral, 1 happy (noise), 3 unknown.

    >>> kept, why = apply_vote_rules(np.array([[6, 1, 3]]), np.array([False, False, True]),
    ...                              min_class_votes=2, min_kept_share=0.5)
    >>> kept.tolist(), why.tolist()
    ([[6, 0]], [''])
    """
    counts = np.asarray(counts)
    total = counts.sum(axis=1)
    denoised = np.where(counts >= min_class_votes, counts, 0)
    kept = denoised[:, ~np.asarray(excluded, dtype=bool)]
    k = kept.sum(axis=1)
    reason = np.full(len(counts), "", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = k < min_kept_share * total
    reason[low] = LOW_SHARE
    reason[k == 0] = NO_KEPT_VOTES
    return kept, reason


def _first_argmax(x: np.ndarray) -> np.ndarray:
    return np.argmax(x, axis=1)


def _top_k_cover(r: np.ndarray, s: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Classes taken by the cross-entropy rule, shape (n, q) bool (see the module docstring)."""
    n, q = r.shape
    col = np.arange(q)
    rows = np.arange(n)
    rest = r.astype(float)
    taken = np.zeros((n, q), dtype=bool)
    part = np.zeros(n)
    valid = np.ones(n, dtype=bool)
    active = part < 0.75 * s
    while active.any():
        top = rest.max(axis=1)
        ties = (rest == top[:, None]) & active[:, None]
        ex_ties = ties & excluded[None, :]
        hit = ex_ties.any(axis=1)
        first_ex = np.where(hit, np.argmax(ex_ties, axis=1), q)
        # within one level, classes are visited in column order up to the first excluded one
        take = ties & (col[None, :] <= first_ex[:, None])
        taken |= take
        rest[take] = 0.0
        part += top * take.sum(axis=1)
        # an excluded class that comes after another taken class is not kept
        others = taken.sum(axis=1) > 1
        undo = hit & others
        taken[rows[undo], first_ex[undo]] = False
        valid &= ~hit
        active &= (part < 0.75 * s) & (taken.sum(axis=1) < 3) & valid
    return taken


def ferplus_targets(
    counts: np.ndarray, mode: str, excluded: np.ndarray, *, rng=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FER+'s training targets from vote counts (rules in the module docstring).

    Parameters
    ----------
    counts : ndarray of int, shape (n, q)
        Votes per clip and class, columns in the scheme's order (FER+:
        the eight emotions, then ``unknown``, ``NF``).
    mode : {"majority", "probability", "crossentropy", "multitarget"}
    excluded : ndarray of bool, shape (q,)
        Classes that are not targets (FER+: ``unknown``, ``NF``).
    rng : numpy.random.Generator, optional
        Draws the hard labels of ``probability`` (default: seed 0).

    Returns
    -------
    probs : ndarray of float, shape (n, q_kept)
        Targets over the classes that are not excluded (zero rows for the
        clips left out).
    labels : ndarray of int64, shape (n,)
        Hard label, an index into the kept classes (-1 for the clips left out).
    reason : ndarray of object, shape (n,)
        ``""`` for a clip with a target, else why it has none.

    Examples
    --------
    Ten votes: 5 neutral, 3 happiness, 1 surprise, 1 unknown (columns
    neutral, happiness, surprise, unknown).

    >>> c, ex = np.array([[5, 3, 1, 1]]), np.array([False, False, False, True])
    >>> ferplus_targets(c, "majority", ex)[0].tolist()
    [[1.0, 0.0, 0.0]]
    >>> ferplus_targets(c, "crossentropy", ex)[0].round(3).tolist()
    [[0.625, 0.375, 0.0]]
    >>> ferplus_targets(c, "multitarget", ex)[0].tolist()
    [[0.5, 0.5, 0.0]]
    """
    if mode not in FERPLUS_MODES:
        raise ValueError(f"FER+ mode must be one of {', '.join(FERPLUS_MODES)}; got {mode!r}")
    excluded = np.asarray(excluded, dtype=bool)
    # single votes are noise; S counts every class, excluded ones included
    r = np.where(np.asarray(counts) > 1, counts, 0).astype(float)
    s = r.sum(axis=1)
    n, q = r.shape
    reason = np.full(n, "", dtype=object)
    if mode == "majority":
        top = _first_argmax(r)
        target = np.zeros((n, q))
        target[np.arange(n), top] = 1.0
        ok = r.max(axis=1) > 0.5 * s
    elif mode == "multitarget":
        target = np.where(r >= 0.3 * s[:, None], r, 0.0)
        ok = target.sum(axis=1) > 0.5 * s
    else:
        taken = _top_k_cover(r, s, excluded)
        target = np.where(taken, r, 0.0)
        ok = (target.sum(axis=1) > 0.5 * s) & (taken.sum(axis=1) <= 3)
    reason[~ok] = NO_TARGET
    ex_top = ok & excluded[_first_argmax(target)]
    reason[ex_top] = EXCLUDED_TOP
    keep = reason == ""
    t = np.where(keep[:, None], target[:, ~excluded], 0.0)
    if mode == "multitarget":
        t = (t > 0).astype(float)
    tot = t.sum(axis=1, keepdims=True)
    probs = np.divide(t, tot, out=np.zeros_like(t), where=tot > 0)
    labels = np.where(keep, _first_argmax(probs), -1).astype(np.int64)
    if mode == "probability":
        rng = rng if rng is not None else np.random.default_rng(0)
        cdf = np.cumsum(probs, axis=1)
        # last cumulative value exactly 1, so a draw u < 1 never passes the last nonzero class
        cdf = np.divide(cdf, cdf[:, -1:], out=np.ones_like(cdf), where=cdf[:, -1:] > 0)
        drawn = (rng.random(n)[:, None] >= cdf).sum(axis=1)
        labels = np.where(keep, drawn, -1).astype(np.int64)
    return probs, labels, reason
