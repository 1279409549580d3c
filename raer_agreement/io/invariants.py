"""Invariants every reading must pass, whichever reader produced it.

A layout rule can be fooled by a file nobody has seen; the shape of the
result is harder to fool.  :func:`check_reading` looks at what was read (items,
annotators, ratings, categories) and refuses, in one line naming the evidence
and every flag that would settle it, a reading that cannot be what the file
means:

* no item has two ratings, or the items are fewer than 1% of the rows read,
  or nearly every annotator has one rating, or (in a wide reading) the
  annotators outnumber the items: the layout, the item column or the
  annotator column is wrong;
* categories of one scheme that differ only in case or surrounding spaces
  (``Agree`` and ``agree``): one category written two ways, or two?
  ``--fold-case`` says one (:func:`fold_case` merges them with a ledger note);
* labels that join other labels with a separator (``pos|neu`` beside ``pos``
  and ``neu``, or combinations whose parts recur): multi-select answers,
  which ``--multi-sep`` reads as one binary scheme per option;
* one scheme holding two label sets (``0``/``1`` from some columns,
  ``1``..``5`` from others: a confidence column read as a rater): the
  annotators fall into two groups that use unlike sets of categories, each
  with a category the other never uses.

The in-memory loader calls :func:`check_reading` on every file it reads; the
Dask ingest can call it on the :class:`~raer_agreement.Annotations` it builds.

Examples
--------
>>> import numpy as np
>>> from raer_agreement import Annotations
>>> from raer_agreement.taxonomy import Taxonomy
>>> tax = Taxonomy.from_categories({"label": ["a", "b"]})
>>> ok = Annotations([0, 0, 1, 1], [0, 1, 0, 1], {"label": [0, 1, 1, 1]},
...                  ["i1", "i2"], ["r1", "r2"], tax)
>>> check_reading(ok) is ok
True
>>> once = Annotations(range(30), [0, 1] * 15, {"label": [0, 1] * 15},
...                    [f"i{k}" for k in range(30)], ["r1", "r2"], tax)
>>> check_reading(once, path="x.csv")
Traceback (most recent call last):
...
raer_agreement.errors.InputError: x.csv: no item has two ratings (30 items): ...
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..annotations import Annotations
from ..errors import InputError, name_list, quote
from ..taxonomy import Taxonomy, natural_sort

__all__ = [
    "check_reading",
    "check_shape",
    "check_categories",
    "category_problem",
    "repeats_problem",
    "ReadingShape",
    "fold_case",
    "case_groups",
    "INSPECT_HINT",
]

#: where a refusal sends the user to see the reading (the ``inspect`` command)
INSPECT_HINT = "see raer-agreement inspect"

#: the flags that change what a row, a column or a cell is
_LAYOUT_FLAGS = "--format long|wide|counts, --item-col, --annotator-col, --anonymous"


def check_reading(
    ann: Annotations,
    *,
    path=None,
    layout: str | None = None,
    declared: bool = False,
    columns_named: bool = False,
) -> Annotations:
    """Refuse a reading that breaks an invariant; return it unchanged otherwise.

    Parameters
    ----------
    ann : Annotations
        What a reader produced from one file.
    path : str or Path, optional
        The file (named in the refusal).
    layout : str, optional
        The layout the reader chose (``long``, ``wide``, ``counts``, a platform);
        a wide reading has one more invariant.
    declared : bool
        The user declared the categories (``--categories``, ``--taxonomy``):
        labels that differ only in case are then theirs to tell apart.
    columns_named : bool
        The user named the item and the annotator columns: a crowd in which
        nearly every worker rated one item is then what they say it is, and
        the reading gets a ledger note instead of a refusal.

    Returns
    -------
    Annotations
        ``ann`` itself.

    Raises
    ------
    InputError
        One line: the broken invariant with its evidence, then every flag
        that would settle it.
    """
    shape = ReadingShape.of(ann)
    if columns_named:
        shape = dataclasses.replace(shape, columns_named=True)
    problem = shape_problem(shape, layout) or _split_label_set_problem(ann, layout)
    if problem is None and not declared:
        problem = (
            _text_problem(ann, layout)
            or _item_text_problem(ann)
            or category_problem({sc: ann.categories(sc) for sc in ann.schemes})
        )
    if problem is not None:
        raise InputError(f"{problem}; {INSPECT_HINT}", path=path)
    single = shape.single_share
    if columns_named and single is not None and single >= 0.9 and shape.n_annotators >= 20:
        note = (
            f"{single:.0%} of {shape.n_annotators} annotators rated one item each (the columns "
            "were named, so read as a crowd of one-off workers): statistics over annotator "
            "pairs rest on the few who rated several items"
        )
        ann = ann.with_ledger(dataclasses.replace(ann.ledger, notes=(*ann.ledger.notes, note)))
    return ann


@dataclasses.dataclass(frozen=True)
class ReadingShape:
    """The counts the shape invariants look at (a Dask ingest knows them
    without holding the ratings in memory).

    Attributes
    ----------
    n_ratings, n_items, n_annotators : int
    rows : int
        Rows (records, cells) read from the file.
    max_per_item : int
        Ratings of the most rated item.
    single_share : float or None
        Share of annotators with exactly one rating (None: not known).
    anonymous : bool
        Annotators are vote slots, not people.
    columns_named : bool
        The user named the item and annotator columns (a crowd of one-off
        workers is then no sign of a wrong layout).
    """

    n_ratings: int
    n_items: int
    n_annotators: int
    rows: int
    max_per_item: int
    single_share: float | None = None
    anonymous: bool = False
    columns_named: bool = False

    @classmethod
    def of(cls, ann: Annotations) -> ReadingShape:
        per_item = np.bincount(ann.item, minlength=ann.n_items)
        per_ann = np.bincount(ann.annotator, minlength=ann.n_annotators)
        return cls(
            n_ratings=ann.n_ratings,
            n_items=ann.n_items,
            n_annotators=ann.n_annotators,
            rows=max(int(ann.ledger.rows_read), ann.n_ratings),
            max_per_item=int(per_item.max()) if len(per_item) else 0,
            single_share=float((per_ann == 1).mean()) if len(per_ann) else None,
            anonymous=ann.anonymous,
        )


def check_shape(shape: ReadingShape, *, path=None, layout: str | None = None) -> None:
    """Refuse (one line) a reading whose counts break a shape invariant.

    The in-memory loader calls it through :func:`check_reading`; the Dask
    ingest calls it with the counts it gathers.

    >>> shape = ReadingShape(n_ratings=7996, n_items=4, n_annotators=1999, rows=7996,
    ...                      max_per_item=1999)
    >>> check_shape(shape, layout="wide")
    Traceback (most recent call last):
    ...
    raer_agreement.errors.InputError: only 4 items for 7996 rows: ...
    """
    problem = shape_problem(shape, layout)
    if problem is not None:
        raise InputError(f"{problem}; {INSPECT_HINT}", path=path)


def shape_problem(shape: ReadingShape, layout: str | None) -> str | None:
    """The first shape invariant the reading breaks, worded with its flags."""
    n, n_items, n_ann = shape.n_ratings, shape.n_items, shape.n_annotators
    if n == 0:
        # every statistic would be undefined: say so once, at the reading
        return (
            "no rating in the file: every label cell is empty, or every row was left out "
            "(the ledger of `validate` says why)"
        )
    if n == 0 or n_items == 0:
        return None
    platform = layout not in (None, "long", "wide", "counts", "raters-x-items")
    # one annotator rates each item once by nature; a handful of rows prove nothing
    if n_items >= 20 and n_ann >= 2 and shape.max_per_item < 2 and not platform:
        return (
            f"no item has two ratings ({n_items} items): the item column is a row id, or "
            f"the layout is another; try {_LAYOUT_FLAGS}, --transpose"
        )
    if shape.rows >= 200 and n_items < 0.01 * shape.rows:
        return (
            f"only {n_items} items for {shape.rows} rows: the item column is not the item id; "
            f"try {_LAYOUT_FLAGS}, --transpose"
        )
    single = shape.single_share
    if (
        not shape.anonymous
        and not shape.columns_named
        and n_ann >= 20
        and single is not None
        and single >= 0.9
    ):
        return (
            f"{single:.0%} of {n_ann} annotators have one rating each: the annotator "
            f"column is a row id, or items are columns; try {_LAYOUT_FLAGS}, --transpose"
        )
    if layout == "wide" and n_ann >= 10 and n_ann > n_items:
        return (
            f"a wide reading with more annotators ({n_ann}) than items ({n_items}): rows are "
            "annotators, or most columns are no raters; try --transpose, or name the rater "
            "columns with --annotator-col (repeated)"
        )
    return None


def case_groups(categories: Sequence[str]) -> list[list[str]]:
    """Groups of categories equal up to case and surrounding spaces.

    >>> case_groups(["Agree", "agree ", "Disagree"])
    [['Agree', 'agree ']]
    """
    folded: dict[str, list[str]] = {}
    for c in categories:
        folded.setdefault(" ".join(str(c).split()).casefold(), []).append(str(c))
    return [g for g in folded.values() if len(g) > 1]


def _text_problem(ann: Annotations, layout: str | None) -> str | None:
    """Labels that are nearly as many as the ratings are text or ids, not a label set."""
    for scheme in ann.schemes:
        q = ann.n_categories(scheme)
        rated = int((ann.labels[scheme] >= 0).sum())
        if q > 50 and q > 0.2 * rated:
            longest = sorted(ann.categories(scheme), key=len, reverse=True)[:2]
            shown = name_list([quote(c, 24) for c in longest], 2)
            hint = (
                "name the rater columns with --annotator-col (repeated) and the id with --item-col"
                if layout == "wide"
                else "choose the label column with --label-col, or the layout with --format"
            )
            return (
                f"scheme {scheme!r} has {q} distinct labels for {rated} ratings ({shown}, ...): "
                f"text or ids, not labels; {hint}"
            )
    return None


def _item_text_problem(ann: Annotations) -> str | None:
    """A "label" column that describes the item (its text, its reply): many
    distinct values, and every item rated twice or more has one value only.

    Raters disagree somewhere; a clip's own text never varies across its
    ratings.  Twenty values at least, and at least a third as many values as
    such items, so that a small label set with perfect agreement passes.
    """
    multi = np.bincount(ann.item, minlength=ann.n_items) >= 2
    if multi.sum() < 10:
        return None
    for scheme in ann.schemes:
        codes = ann.labels[scheme]
        rated = codes >= 0
        item, lab = ann.item[rated], codes[rated]
        q = len(np.unique(lab))
        if q < 20 or q < multi.sum() / 3:
            continue
        width = ann.n_categories(scheme)
        pairs = np.unique(item * width + lab)  # distinct (item, label)
        per_item = np.bincount(pairs // width, minlength=ann.n_items)
        if (per_item[multi] <= 1).all():
            return (
                f"scheme {scheme!r} has {q} distinct labels and one per clip on each of the "
                f"{int(multi.sum())} clips rated twice or more: the column describes the clip "
                "(its text), not a rating; choose the label column with --label-col"
            )
    return None


#: annotators with fewer ratings say too little about the label set they use
MIN_RATINGS_FOR_LABEL_SET = 5
#: the most active annotators compared (the comparison is quadratic in them)
MAX_ANNOTATORS_COMPARED = 400
#: annotators x categories beyond which the label sets are not compared (memory)
MAX_CELLS = 1 << 25


def label_set_groups(ann: Annotations, scheme: str) -> list[tuple[list[int], list[int]]]:
    """The groups ``(annotators, categories)`` of annotators who use alike
    label sets, for one scheme.

    Two annotators (each with 5 ratings or more) are alike when the
    categories they use overlap by half at least (Jaccard index of the two
    sets >= 0.5); a group is a connected set of alike annotators, with every
    category its members use.  Raters of one label set form one group (a
    rater who skips a rare class still shares most of the set); a rater's
    confidence column (``1``..``5`` beside ``0``/``1`` labels) forms another.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> from raer_agreement.taxonomy import Taxonomy
    >>> tax = Taxonomy.from_categories({"label": ["0", "1", "2", "3", "4"]})
    >>> item = list(range(10)) * 4
    >>> labels = [0, 1] * 10 + [1, 2, 3, 4, 2] * 4
    >>> ann = Annotations(item, [0] * 10 + [1] * 10 + [2] * 10 + [3] * 10,
    ...                   {"label": labels}, [f"i{k}" for k in range(10)],
    ...                   ["r1", "r2", "r1_conf", "r2_conf"], tax)
    >>> label_set_groups(ann, "label")
    [([0, 1], [0, 1]), ([2, 3], [1, 2, 3, 4])]
    """
    n_ann, q = ann.n_annotators, ann.n_categories(scheme)
    # vote slots of anonymous votes are no people: their label sets say nothing
    if ann.anonymous or q < 3 or n_ann < 4 or n_ann * q > MAX_CELLS:
        return []
    used = _categories_used(ann.annotator, ann.labels[scheme], n_ann, q)
    per_annotator = used.sum(axis=1)
    active = np.flatnonzero(per_annotator >= MIN_RATINGS_FOR_LABEL_SET)
    if len(active) > MAX_ANNOTATORS_COMPARED:
        top = np.argsort(-per_annotator[active], kind="stable")[:MAX_ANNOTATORS_COMPARED]
        active = np.sort(active[top])
    if len(active) < 4:
        return []
    used = (used > 0).astype(np.float32)
    sets = used[active]
    shared = sets @ sets.T
    size = sets.sum(axis=1)
    alike = shared >= 0.5 * (size[:, None] + size[None, :] - shared)
    component = _components(alike)
    groups = []
    for c in range(component.max() + 1):
        members = active[component == c]
        groups.append(
            ([int(m) for m in members], np.flatnonzero(sets[component == c].any(axis=0)).tolist())
        )
    return groups


def _components(adjacent: np.ndarray) -> np.ndarray:
    """Connected components of a small symmetric boolean matrix with a true
    diagonal, numbered in the order of their first member (each node takes the
    least label of its neighbours until none changes; scipy's csgraph would
    cost its import on every reading).

    >>> _components(np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=bool)).tolist()
    [0, 1, 0]
    """
    n = len(adjacent)
    label = np.arange(n)
    while True:
        least = np.where(adjacent, label[None, :], n).min(axis=1)
        if np.array_equal(least, label):
            break
        label = least
    return np.unique(label, return_inverse=True)[1].reshape(-1)


_WHOLE_AS_DECIMAL = re.compile(r"^([+-]?\d+)\.0+$")


def whole_number_twins(ids) -> dict[str, str]:
    """Ids that write a whole number with a decimal point (``1.0``) where the
    same number is also written without one (``1``): ``{"1.0": "1"}``.

    A column of whole numbers saved from a float column (pandas writes
    ``1.0`` once a column has a missing value) names the same clip or
    annotator as another file that wrote ``1``; read apart, every such clip
    would be two clips with half the ratings each.  (The reader merges them
    only across files: within one file the two spellings stay two ids.)

    >>> whole_number_twins(["1", "2", "1.0", "3.00", "07"])
    {'1.0': '1'}
    """
    ids = [str(i) for i in ids]
    present = set(ids)
    out = {}
    for i in ids:
        m = _WHOLE_AS_DECIMAL.match(i)
        if m and m.group(1) in present:
            out[i] = m.group(1)
    return out


def _categories_used(annotator, codes, n_ann: int, q: int, block: int = 1 << 20) -> np.ndarray:
    """Ratings per (annotator, category), in blocks of ratings: no copy of the
    whole rating arrays at crowd scale."""
    counts = np.zeros(n_ann * q, dtype=np.int64)
    for start in range(0, len(codes), block):
        a, c = annotator[start : start + block], codes[start : start + block]
        rated = c >= 0
        counts += np.bincount(a[rated].astype(np.int64) * q + c[rated], minlength=n_ann * q)
    return counts.reshape(n_ann, q)


def _split_label_set_problem(ann: Annotations, layout: str | None) -> str | None:
    """A scheme whose annotators fall into two groups of two or more, each using
    a category the other never does (a group using a part of the other's set,
    as raters who skip a class, is no second label set)."""
    for scheme in ann.schemes:
        groups = [g for g in label_set_groups(ann, scheme) if len(g[0]) >= 2 and len(g[1]) >= 2]
        big = _two_label_sets(groups)
        if big is None:
            continue
        cats, names = ann.categories(scheme), ann.annotator_ids
        shown = " and ".join(
            f"{{{_few([cats[k] for k in c], 3)}}} by {_few([names[a] for a in a_], 2)}"
            for a_, c in big[:2]
        )
        hint = (
            "name the rater columns with --annotator-col (repeated)"
            if layout == "wide"
            else "choose the label column with --label-col, or map them with --taxonomy"
        )
        return (
            f"scheme {scheme!r} holds two label sets that different annotators use: {shown}; "
            f"some columns read as its ratings are not; {hint}"
        )
    return None


#: separators of multi-select answers joined in one cell (line breaks are always
#: read as such by the readers)
MULTI_SEPARATORS = ("|", ";", ",", "/", "+", "&")


def joined_labels(categories: Sequence[str]) -> tuple[str, list[str]] | None:
    """The separator and the labels that join other labels with it, if any.

    A label is joined when it splits into two or more non-empty parts and
    every part is itself a label; or when three or more labels split with one
    separator into parts that recur (each part in 1.5 labels on average:
    combinations of a few options).

    >>> joined_labels(["pos", "neu", "pos|neu", "neg"])
    ('|', ['pos|neu'])
    >>> joined_labels(["age;sex", "age;race", "sex;race"])
    (';', ['age;sex', 'age;race', 'sex;race'])
    >>> joined_labels(["yes, definitely", "no, not at all", "maybe"]) is None
    True
    """
    labels = {str(c).strip() for c in categories}
    for sep in MULTI_SEPARATORS:
        split = {
            c: parts
            for c in map(str, categories)
            if sep in c and len(parts := [t.strip() for t in c.split(sep)]) >= 2 and all(parts)
        }
        if not split:
            continue
        whole = [c for c, parts in split.items() if all(t in labels for t in parts)]
        # parts that recur across labels: each used 1.5 times on average
        n_parts = sum(len(parts) for parts in split.values())
        recurring = n_parts >= 1.5 * len({t for parts in split.values() for t in parts})
        if whole or (len(split) >= 3 and recurring):
            return sep, whole or list(split)
    return None


def _joined_labels_problem(scheme: str, categories: Sequence[str]) -> str | None:
    found = joined_labels(categories)
    if found is None:
        return None
    sep, joined = found
    return (
        f"scheme {scheme!r} has labels that join others with {sep!r} ({_few(joined, 2)}): "
        f"multi-select answers? pass --multi-sep '{sep}' (one binary scheme per option), "
        "or --categories to keep them as labels"
    )


def _two_label_sets(groups: list) -> list | None:
    """The two largest groups whose category sets are not nested, if any."""
    groups = sorted(groups, key=lambda g: -len(g[0]))
    for i, (_, first) in enumerate(groups):
        for _, second in groups[i + 1 :]:
            a, b = set(first), set(second)
            if a - b and b - a:
                return [groups[i], next(g for g in groups if g[1] == second)]
    return None


def _few(names: Sequence, shown: int) -> str:
    """A few names cut to 12 characters, then how many more: ``a, b +3``."""
    head = ", ".join(quote(str(n), 14)[1:-1] for n in names[:shown])
    return head + (f" +{len(names) - shown}" if len(names) > shown else "")


def _case_problem(scheme: str, categories: Sequence[str]) -> str | None:
    groups = case_groups(categories)
    if not groups:
        return None
    shown = "; ".join(name_list([quote(c, 20) for c in g], 3) for g in groups[:2])
    more = f" and {len(groups) - 2} more" if len(groups) > 2 else ""
    return (
        f"scheme {scheme!r} holds labels that differ only in case or spaces "
        f"({shown}{more}): pass --fold-case to read each group as one category, "
        "or --categories to declare them"
    )


def category_problem(categories: Mapping[str, Sequence[str]]) -> str | None:
    """The first invariant that the inferred categories of the schemes break
    (labels joined by a separator, labels that differ only in case), worded
    with its flags; a reading that knows its categories and not its ratings
    (the Dask ingest) checks them here.

    >>> category_problem({"label": ["pos", "neg"]}) is None
    True
    >>> category_problem({"label": ["Agree", "agree"]})[:44]
    "scheme 'label' holds labels that differ only"
    """
    for check in (_joined_labels_problem, _case_problem):
        for scheme, cats in categories.items():
            problem = check(scheme, [str(c) for c in cats])
            if problem is not None:
                return problem
    return None


#: share of the ratings that may repeat an annotator on a clip before the item
#: column is taken for no clip id (unless ``--duplicates`` is given)
MAX_REPEATED_SHARE = 0.2


def repeats_problem(
    n_repeated: int, n_ratings: int, n_repeating: int, n_annotators: int, example: str = ""
) -> str | None:
    """Ratings that repeat an annotator on a clip on a large scale (a fifth of
    the ratings or more) and by most annotators (half or more) mean that the
    item column names a group of clips (a video, a batch), not one clip;
    worded with its flags, or None.  One annotator who rated each clip three
    times (Dawid and Skene's first clinician) is a design, not a wrong key.

    >>> repeats_problem(3, 100, 3, 5) is None
    True
    >>> repeats_problem(90, 315, 1, 5) is None
    True
    >>> repeats_problem(40, 100, 5, 5)[:42]
    '40 of 100 ratings repeat an annotator on a'
    """
    if n_repeated < max(10, MAX_REPEATED_SHARE * n_ratings) or n_repeating < n_annotators / 2:
        return None
    return (
        f"{n_repeated} of {n_ratings} ratings repeat an annotator on a clip{example}: "
        "the item column is no clip id; name it with --item-col, or --transpose if "
        "rows are raters, or --duplicates keep|last if clips were rated again"
    )


def check_categories(categories: Mapping[str, Sequence[str]], *, path=None) -> None:
    """Refuse (one line) inferred categories that break :func:`category_problem`."""
    problem = category_problem(categories)
    if problem is not None:
        raise InputError(f"{problem}; {INSPECT_HINT}", path=path)


def fold_case(ann: Annotations) -> Annotations:
    """Merge the categories of each scheme that differ only in case or
    surrounding spaces, the most used spelling naming the merged category;
    the ledger notes each merge.

    Examples
    --------
    >>> from raer_agreement import Annotations
    >>> from raer_agreement.taxonomy import Taxonomy
    >>> tax = Taxonomy.from_categories({"label": ["Agree", "agree", "no"]})
    >>> a = Annotations([0, 0, 1], [0, 1, 0], {"label": [0, 1, 1]}, ["i", "j"], ["r", "s"], tax)
    >>> f = fold_case(a)
    >>> f.categories("label"), f.labels["label"].tolist()
    (('agree', 'no'), [0, 0, 0])
    """
    cats: dict[str, list[str]] = {}
    labels: dict[str, np.ndarray] = {}
    notes: list[str] = []
    for scheme in ann.schemes:
        old = list(ann.categories(scheme))
        codes = ann.labels[scheme]
        groups = case_groups(old)
        if not groups:
            cats[scheme], labels[scheme] = old, codes
            continue
        used = np.bincount(codes[codes >= 0], minlength=len(old))
        spelling = {}
        for g in groups:
            best = max(g, key=lambda c: (used[old.index(c)], -old.index(c)))
            spelling.update({c: best for c in g})
            notes.append(
                f"--fold-case: scheme {scheme!r}: {', '.join(map(repr, g))} read as {best!r}"
            )
        new = natural_sort({spelling.get(c, c) for c in old})
        remap = np.array([new.index(spelling.get(c, c)) for c in old] + [-1], dtype=np.int64)
        cats[scheme], labels[scheme] = new, remap[codes]
    if not notes:
        return ann
    led = ann.ledger
    ledger = dataclasses.replace(led, notes=led.notes + tuple(notes))
    return Annotations(
        ann.item,
        ann.annotator,
        labels,
        ann.item_ids,
        ann.annotator_ids,
        Taxonomy.from_categories(cats),
        ann.items,
        ledger,
        anonymous=ann.anonymous,
    )
