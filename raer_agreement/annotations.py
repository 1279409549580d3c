"""The core data object: integer-coded ratings at one or more granularities.

Everything downstream (metrics, aggregation, reports, exports) takes an
:class:`Annotations`.  It is immutable: methods that change something return
a new object.  Its arrays are integer codes:

* ``item[r]`` in ``0..n_items-1`` names the clip of rating ``r``
  (``item_ids[item[r]]`` is the id exactly as given, a string);
* ``annotator[r]`` in ``0..n_annotators-1`` likewise;
* ``labels[scheme][r]`` in ``0..q-1`` is the category index in the scheme's
  declared order, ``-1`` where that rating has no label in this scheme.

Repeated ratings (an annotator who rated the same clip twice, as in the
Dawid & Skene 1979 data) are separate rows.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import AnonymousVotesError, UnknownSchemeError, name_list
from .ledger import Ledger
from .taxonomy import Scheme, Taxonomy

__all__ = ["Annotations"]


def _frozen(a, dtype=np.int64) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=dtype)
    a.setflags(write=False)
    return a


class Annotations:
    """Multi-annotator ratings, integer-coded, with metadata and a ledger.

    Parameters
    ----------
    item : array of int, shape (n_ratings,)
        Item (clip) code of each rating.
    annotator : array of int, shape (n_ratings,)
        Annotator code of each rating.
    labels : mapping of str to array of int, each shape (n_ratings,)
        Category code per scheme, ``-1`` = no label in that scheme.
    item_ids : sequence of str, shape (n_items,)
        External clip ids, as given.
    annotator_ids : sequence of str, shape (n_annotators,)
    taxonomy : Taxonomy
        Declares every scheme in ``labels`` and its categories (all of
        them, used or not).
    items : DataFrame, optional
        Item metadata indexed by item id (``split``, ``session_type``,
        ``environment``, ``room``, ``student``, ...); reindexed to
        ``item_ids``.
    ledger : Ledger, optional
    anonymous : bool, default False
        True when the source does not say who cast each vote (counts tables,
        files loaded with ``anonymous=True``).  The annotator codes are then
        slots (the k-th vote of an item), not people: every statistic that
        needs annotator identities (Cohen, Conger, per-annotator tables,
        pairwise kappa, leave-one-out influence, Dawid-Skene and relatives)
        must refuse such data, and only per-item vote counts are meaningful.

    Examples
    --------
    >>> from raer_agreement.io import from_long
    >>> ann = from_long(pd.DataFrame({
    ...     "item": ["c1", "c1", "c2", "c2"], "annotator": ["a", "b", "a", "b"],
    ...     "label": ["x", "x", "x", "y"]}))
    >>> ann.n_items, ann.n_annotators, ann.categories("label")
    (2, 2, ('x', 'y'))
    >>> ann.counts("label")
    array([[2, 0],
           [1, 1]])
    """

    def __init__(
        self,
        item,
        annotator,
        labels: Mapping[str, Sequence[int]],
        item_ids,
        annotator_ids,
        taxonomy: Taxonomy,
        items: pd.DataFrame | None = None,
        ledger: Ledger | None = None,
        anonymous: bool = False,
    ):
        self._anonymous = bool(anonymous)
        self._item = _frozen(item)
        self._annotator = _frozen(annotator)
        self._item_ids = tuple(map(str, item_ids))
        self._annotator_ids = tuple(map(str, annotator_ids))
        n = len(self._item)
        if len(self._annotator) != n:
            raise ValueError("item and annotator arrays differ in length")
        if not labels:
            raise ValueError("at least one label scheme is needed")
        self._labels = {}
        for name, lab in labels.items():
            lab = _frozen(lab)
            if len(lab) != n:
                raise ValueError(f"labels[{name!r}] has {len(lab)} entries, expected {n}")
            q = taxonomy[name].n_categories
            if len(lab) and (lab.min() < -1 or lab.max() >= q):
                raise ValueError(f"labels[{name!r}] holds codes outside -1..{q - 1}")
            self._labels[name] = lab
        if n and (self._item.min() < 0 or self._item.max() >= len(self._item_ids)):
            raise ValueError("item codes out of range of item_ids")
        if n and (self._annotator.min() < 0 or self._annotator.max() >= len(self._annotator_ids)):
            raise ValueError("annotator codes out of range of annotator_ids")
        self._taxonomy = taxonomy
        idx = pd.Index(self._item_ids, name="item_id")
        if items is None:
            items = pd.DataFrame(index=idx)
        else:
            items = items.reindex(idx)
            items.index.name = "item_id"
        self._items = items
        self._ledger = ledger if ledger is not None else Ledger(sources=("<arrays>",), rows_read=n)

    # ------------------------------------------------------------------ basic
    @property
    def item(self) -> np.ndarray:
        """Item code of each rating, shape (n_ratings,)."""
        return self._item

    @property
    def annotator(self) -> np.ndarray:
        """Annotator code of each rating, shape (n_ratings,)."""
        return self._annotator

    @property
    def labels(self) -> Mapping[str, np.ndarray]:
        """Category codes per scheme, each shape (n_ratings,); -1 = missing."""
        return dict(self._labels)

    @property
    def item_ids(self) -> tuple:
        return self._item_ids

    @property
    def annotator_ids(self) -> tuple:
        return self._annotator_ids

    @property
    def taxonomy(self) -> Taxonomy:
        return self._taxonomy

    @property
    def items(self) -> pd.DataFrame:
        """Item metadata, one row per item in code order (a copy)."""
        return self._items.copy()

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    @property
    def anonymous(self) -> bool:
        """True when annotator identities are unknown (see the class docstring)."""
        return self._anonymous

    def require_identities(self, what: str) -> None:
        """Raise :class:`~raer_agreement.errors.AnonymousVotesError` when the votes are anonymous.

        ``what`` names the statistic or model that needs to know who voted.
        """
        if self._anonymous:
            raise AnonymousVotesError(what)

    @property
    def schemes(self) -> tuple:
        """Names of the schemes present, in taxonomy order."""
        return tuple(s for s in self._taxonomy.scheme_names if s in self._labels)

    @property
    def n_items(self) -> int:
        return len(self._item_ids)

    @property
    def n_annotators(self) -> int:
        return len(self._annotator_ids)

    @property
    def n_ratings(self) -> int:
        return len(self._item)

    def scheme(self, scheme: str | None = None) -> Scheme:
        """The :class:`Scheme` named (default: the first present)."""
        return self._taxonomy[self._resolve(scheme)]

    def categories(self, scheme: str | None = None) -> tuple:
        """Declared category names of ``scheme``, in order (used or not)."""
        return self.scheme(scheme).categories

    def n_categories(self, scheme: str | None = None) -> int:
        return self.scheme(scheme).n_categories

    def resolve_scheme(self, scheme: str | None = None, *, column: str | None = None) -> str:
        """The name of ``scheme`` (default: the first present).

        Raises
        ------
        UnknownSchemeError
            When the annotations hold no such scheme (an ``InputError`` and a
            ``KeyError``); ``column`` names the option or column it came from.
        """
        if scheme is None:
            return self.schemes[0]
        if scheme not in self._labels:
            raise UnknownSchemeError(scheme, self.schemes, column=column)
        return scheme

    _resolve = resolve_scheme

    def __repr__(self) -> str:
        sch = ", ".join(f"{s}: {self.n_categories(s)} categories" for s in self.schemes)
        who = "anonymous votes" if self._anonymous else f"{self.n_annotators} annotators"
        return f"<Annotations: {self.n_ratings} ratings, {self.n_items} items, {who}; {sch}>"

    # ------------------------------------------------------------- views
    def ratings(self, scheme: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ratings that carry a label in ``scheme``.

        Returns
        -------
        item, annotator, label : ndarray of int64, each shape (m,)
            ``m`` is the number of ratings with a label in the scheme.
        """
        lab = self._labels[self._resolve(scheme)]
        keep = lab >= 0
        if keep.all():
            return self._item, self._annotator, lab
        return self._item[keep], self._annotator[keep], lab[keep]

    def counts(self, scheme: str | None = None) -> np.ndarray:
        """Votes per item and category.

        Returns
        -------
        ndarray of int64, shape (n_items, n_categories)
            Rows are items (code order), columns every declared category.
        """
        q = self.n_categories(scheme)
        it, _, lab = self.ratings(scheme)
        return np.bincount(it * q + lab, minlength=self.n_items * q).reshape(self.n_items, q)

    def counts_frame(self, scheme: str | None = None) -> pd.DataFrame:
        """:meth:`counts` as a DataFrame (index item ids, columns category names)."""
        return pd.DataFrame(
            self.counts(scheme),
            index=pd.Index(self._item_ids, name="item_id"),
            columns=pd.Index(self.categories(scheme), name=self._resolve(scheme)),
        )

    def _single_rating_matrix(self, scheme):
        it, an, lab = self.ratings(scheme)
        key = it * self.n_annotators + an
        if len(np.unique(key)) != len(key):
            raise ValueError(
                "some annotator rated an item more than once: a one-cell-per-pair matrix "
                "cannot hold repeated ratings (load with duplicates='last' or use the long form)"
            )
        m = np.full((self.n_items, self.n_annotators), np.nan)
        m[it, an] = lab
        return m

    def to_items_x_raters(self, scheme: str | None = None) -> np.ndarray:
        """Items in rows, annotators in columns (statsmodels' orientation).

        Returns
        -------
        ndarray of float, shape (n_items, n_annotators)
            Category code, NaN where the annotator did not rate the item.
        """
        return self._single_rating_matrix(scheme)

    def to_raters_x_items(self, scheme: str | None = None) -> np.ndarray:
        """Annotators in rows, items in columns (the ``krippendorff`` package's
        ``reliability_data`` orientation).

        Returns
        -------
        ndarray of float, shape (n_annotators, n_items)
            Category code, NaN where missing.  Pass
            ``value_domain=range(q)`` to ``krippendorff.alpha`` so unused
            categories are kept.
        """
        return self._single_rating_matrix(scheme).T

    def to_crowdkit(self, scheme: str | None = None) -> pd.DataFrame:
        """Long frame in crowd-kit's layout: columns ``task, worker, label``.

        ``label`` is a categorical with every declared category (crowd-kit
        only sees the categories that occur; pass the categorical's
        categories along when a method needs them).
        """
        it, an, lab = self.ratings(scheme)
        cats = self.categories(scheme)
        return pd.DataFrame(
            {
                "task": np.asarray(self._item_ids, dtype=object)[it],
                "worker": np.asarray(self._annotator_ids, dtype=object)[an],
                "label": pd.Categorical.from_codes(lab, categories=list(cats)),
            }
        )

    def to_long(self) -> pd.DataFrame:
        """One row per rating: ``item_id, annotator_id`` and one column per
        scheme holding category names (missing = NA)."""
        df = pd.DataFrame(
            {
                "item_id": np.asarray(self._item_ids, dtype=object)[self._item],
                "annotator_id": np.asarray(self._annotator_ids, dtype=object)[self._annotator],
            }
        )
        for s in self.schemes:
            df[s] = pd.Categorical.from_codes(self._labels[s], categories=list(self.categories(s)))
        return df

    def collapse(self, child: str, parent: str) -> np.ndarray:
        """Child-scheme labels mapped to the parent scheme through the taxonomy.

        Returns
        -------
        ndarray of int64, shape (n_ratings,)
            Parent category codes, -1 where the child label is missing.
        """
        m = self._taxonomy.mapping(child, parent)
        lab = self._labels[self._resolve(child)]
        return np.where(lab >= 0, m[np.maximum(lab, 0)], -1)

    def ratings_per_item(self, scheme: str | None = None) -> np.ndarray:
        """Number of labelled ratings per item, shape (n_items,)."""
        it, _, _ = self.ratings(scheme)
        return np.bincount(it, minlength=self.n_items)

    # --------------------------------------------------------- new objects
    def select(self, ratings_mask=None, *, items=None, drop_unused: bool = True) -> Annotations:
        """A subset, with codes renumbered compactly.

        Parameters
        ----------
        ratings_mask : array of bool, shape (n_ratings,), optional
        items : array of bool shape (n_items,) or iterable of item ids, optional
        drop_unused : bool
            Renumber items and annotators that keep at least one rating
            (items named in ``items`` are kept even without ratings).
        """
        keep = (
            np.ones(self.n_ratings, dtype=bool)
            if ratings_mask is None
            else np.asarray(ratings_mask, bool)
        )
        item_keep = np.ones(self.n_items, dtype=bool)
        if items is not None:
            items = np.asarray(list(items) if not isinstance(items, np.ndarray) else items)
            if items.dtype == bool:
                item_keep = items
            else:
                item_keep = np.isin(np.asarray(self._item_ids, dtype=object), items.astype(str))
            keep = keep & item_keep[self._item]
        if drop_unused:
            used_items = np.zeros(self.n_items, bool)
            used_items[self._item[keep]] = True
            if items is not None:
                used_items |= item_keep
            used_ann = np.zeros(self.n_annotators, bool)
            used_ann[self._annotator[keep]] = True
        else:
            used_items = item_keep
            used_ann = np.ones(self.n_annotators, bool)
        inew = np.cumsum(used_items) - 1
        anew = np.cumsum(used_ann) - 1
        ids = np.asarray(self._item_ids, dtype=object)[used_items]
        return Annotations(
            inew[self._item[keep]],
            anew[self._annotator[keep]],
            {s: lab[keep] for s, lab in self._labels.items()},
            ids,
            np.asarray(self._annotator_ids, dtype=object)[used_ann],
            self._taxonomy,
            self._items.loc[list(ids)] if len(self._items.columns) else None,
            self._ledger,
            anonymous=self._anonymous,
        )

    def with_items(self, items: pd.DataFrame) -> Annotations:
        """Same ratings with item metadata replaced (indexed by item id)."""
        return Annotations(
            self._item,
            self._annotator,
            self._labels,
            self._item_ids,
            self._annotator_ids,
            self._taxonomy,
            items,
            self._ledger,
            anonymous=self._anonymous,
        )

    def with_ledger(self, ledger: Ledger) -> Annotations:
        """Same ratings with another ledger."""
        # the arrays are read-only and already checked: share them, do not
        # rebuild the id index (seconds at millions of clips)
        out = copy.copy(self)
        out._ledger = ledger
        return out

    def with_labels(self, scheme: str, labels) -> Annotations:
        """Same ratings with the codes of one scheme replaced.

        Parameters
        ----------
        scheme : str
        labels : array of int, shape (n_ratings,)
            Category codes of ``scheme`` (``-1`` = no label), e.g. the fine
            labels collapsed to the coarse scheme by :meth:`collapse`.
        """
        name = self._resolve(scheme)
        new = dict(self._labels)
        new[name] = labels
        return Annotations(
            self._item,
            self._annotator,
            new,
            self._item_ids,
            self._annotator_ids,
            self._taxonomy,
            self._items,
            self._ledger,
            anonymous=self._anonymous,
        )

    def as_anonymous(self) -> Annotations:
        """Same ratings with annotator identities declared unknown."""
        return Annotations(
            self._item,
            self._annotator,
            self._labels,
            self._item_ids,
            self._annotator_ids,
            self._taxonomy,
            self._items,
            dataclasses.replace(self._ledger, anonymous=True),
            anonymous=True,
        )

    def only(self, scheme: str) -> Annotations:
        """Annotations holding one scheme (ratings without a label in it dropped)."""
        s = self._resolve(scheme)
        keep = self._labels[s] >= 0
        sub = Annotations(
            self._item[keep],
            self._annotator[keep],
            {s: self._labels[s][keep]},
            self._item_ids,
            self._annotator_ids,
            self._taxonomy,
            self._items,
            self._ledger,
            anonymous=self._anonymous,
        )
        return sub

    def groups(self, column: str) -> Iterable[tuple[str, Annotations]]:
        """Split by an item-metadata column: yields ``(value, subset)``."""
        if column not in self._items.columns:
            raise KeyError(
                f"no item metadata column {column!r} (columns: {name_list(list(self._items.columns), 8) or 'none'})"
            )
        values = self._items[column].astype("string").fillna("<missing>").to_numpy()
        for v in pd.unique(values):
            yield str(v), self.select(items=values == v)

    # ----------------------------------------------------- construction
    @classmethod
    def from_counts(
        cls,
        counts,
        categories: Sequence | None = None,
        item_ids: Sequence | None = None,
        scheme: str = "label",
    ) -> Annotations:
        """Build from a counts matrix (items x categories, cell = votes).

        Annotator identities are unknown in such tables: the result is
        ``anonymous`` and the votes of each item fill slots ``vote_1,
        vote_2, ...``, which are not people.
        """
        counts = np.asarray(counts)
        if counts.ndim != 2 or (counts < 0).any() or not np.all(np.equal(np.mod(counts, 1), 0)):
            raise ValueError(
                "counts must be a 2-D array of non-negative integers (items x categories)"
            )
        counts = counts.astype(np.int64)
        n, q = counts.shape
        categories = [str(c) for c in (categories if categories is not None else range(1, q + 1))]
        item_ids = [str(i) for i in (item_ids if item_ids is not None else range(1, n + 1))]
        flat = counts.ravel()
        item = np.repeat(np.repeat(np.arange(n), q), flat)
        label = np.repeat(np.tile(np.arange(q), n), flat)
        # position of each vote within its item: 0, 1, 2, ...
        starts = np.repeat(np.cumsum(counts.sum(1)) - counts.sum(1), counts.sum(1))
        pos = np.arange(len(item)) - starts
        m = int(counts.sum(1).max()) if n else 0
        tax = Taxonomy.from_categories({scheme: categories})
        return cls(
            item,
            pos,
            {scheme: label},
            item_ids,
            [f"vote_{k + 1}" for k in range(m)],
            tax,
            anonymous=True,
        )
