"""A RAER-like synthetic corpus with known truth.

The raw RAER votes are not public, so the package ships this simulator and
a corpus made with it (:func:`load_sample`) as the default input.  It aims
at realism rather than speed: the published class counts per split, clips
of about 140 students in class sessions and self-study in four
environments with RAER-style paths, a pool of annotators of varied quality
(realistic confusions such as Neutrality with Distraction or Fatigue, one
annotator who over-uses Neutrality, one close to random), about ten ratings
per clip with some missing, and a finer label set nested in the five
classes, mostly consistent with each annotator's own coarse label.

Everything follows from a seed and a :class:`SimulationParams`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .annotations import Annotations
from .io import listfile, load_ratings
from .io.atomic import atomic_files
from .io.long import _codes, finish_ledger
from .ledger import Ledger
from .taxonomy import Taxonomy, default_taxonomy

__all__ = [
    "SimulationParams",
    "SimulatedCorpus",
    "simulate_corpus",
    "write_corpus",
    "load_sample",
    "sample_path",
    "RAER_TRAIN_COUNTS",
    "RAER_TEST_COUNTS",
]

#: Published RAER class counts (Neutrality, Enjoyment, Confusion, Fatigue, Distraction).
RAER_TRAIN_COUNTS = (1383, 129, 30, 157, 422)
RAER_TEST_COUNTS = (345, 32, 7, 39, 105)

ENVIRONMENTS = ("Classroom", "Library", "Laboratory", "Dormitory")

# Where a decent annotator's errors go, row = true coarse class (RAER order).
_CONFUSION_AFFINITY = np.array(
    [
        [0.00, 0.15, 0.10, 0.30, 0.45],  # Neutrality -> mostly Distraction, Fatigue
        [0.60, 0.00, 0.05, 0.05, 0.30],  # Enjoyment -> Neutrality
        [0.45, 0.10, 0.00, 0.15, 0.30],  # Confusion -> Neutrality, Distraction
        [0.50, 0.02, 0.08, 0.00, 0.40],  # Fatigue -> Neutrality, Distraction
        [0.60, 0.08, 0.07, 0.25, 0.00],  # Distraction -> Neutrality, Fatigue
    ]
)


@dataclass
class SimulationParams:
    """Parameters of :func:`simulate_corpus` (defaults: RAER-like).

    Attributes
    ----------
    train_counts, test_counts : tuple of int
        True class counts per split, in taxonomy order (RAER's published counts).
    n_students : int
        Students appearing in the clips.
    n_rooms : int
        Class-session rooms (``Class001``..).
    class_session_share : float
        Share of clips from class sessions (the rest is self-study).
    n_annotators : int
        Size of the annotator pool.
    ratings_per_clip : int
        Annotators assigned to each clip.
    p_missing : float
        Chance that an assigned rating is missing (at random).
        Clips also differ in ambiguity: each clip scales every annotator's
        error rate by a factor drawn from ``0.1 + 2.6 * Beta(1, 2.5)`` (mean 0.84).
    p_short_clip : float
        Share of clips that get only 3 to 6 ratings.
    class_accuracy : tuple of float
        A typical annotator's per-class hit rate on the coarse scheme
        (Confusion the hardest).
    skill_spread : float
        Spread of the decent annotators' skill around 1.
    n_biased, n_spammers : int
        Annotators who over-use Neutrality / answer close to random.
    environment_difficulty : dict
        Multiplier of hit rates per environment (poor light in dormitories).
    fine_accuracy : float
        Chance of the right fine category when the coarse vote is right.
    fine_consistency : float
        Chance that a fine vote lies under the annotator's own coarse vote.
    p_fine_missing : float
        Chance that a rating has a coarse label but no fine label.
    """

    train_counts: tuple = RAER_TRAIN_COUNTS
    test_counts: tuple = RAER_TEST_COUNTS
    n_students: int = 140
    n_rooms: int = 12
    class_session_share: float = 0.6
    n_annotators: int = 14
    ratings_per_clip: int = 10
    p_missing: float = 0.04
    p_short_clip: float = 0.05
    class_accuracy: tuple = (0.96, 0.90, 0.60, 0.86, 0.84)
    skill_spread: float = 0.05
    n_biased: int = 1
    n_spammers: int = 1
    environment_difficulty: dict = field(
        default_factory=lambda: {
            "Classroom": 1.0,
            "Library": 0.97,
            "Laboratory": 0.95,
            "Dormitory": 0.88,
        }
    )
    fine_accuracy: float = 0.75
    fine_consistency: float = 0.95
    p_fine_missing: float = 0.03

    @classmethod
    def scaled(cls, n_clips: int, **overrides) -> SimulationParams:
        """RAER proportions at another size (train 80%, test 20%)."""
        train = _apportion(round(n_clips * 2121 / 2649), RAER_TRAIN_COUNTS)
        test = _apportion(n_clips - sum(train), RAER_TEST_COUNTS)
        return cls(train_counts=train, test_counts=test, **overrides)


def _apportion(n: int, weights) -> tuple:
    w = np.asarray(weights, float) / np.sum(weights)
    raw = w * n
    out = np.floor(raw).astype(int)
    out[np.argsort(raw - out)[::-1][: n - out.sum()]] += 1
    return tuple(int(x) for x in out)


@dataclass
class SimulatedCorpus:
    """A simulated corpus and its truth.

    Attributes
    ----------
    annotations : Annotations
        Schemes ``coarse`` and ``fine``, with clip metadata.
    ratings : DataFrame
        The ratings file a user would hold: ``clip_id, annotator_id, coarse, fine``.
    clips : DataFrame
        Clip metadata: ``clip_id, split, session_type, environment, room,
        student, num_frames``.
    truth : DataFrame
        Indexed by clip id: true ``coarse`` and ``fine`` category names.
    confusions : dict of str to ndarray, shape (n_annotators, q, q)
        True confusion matrices per scheme (rows: true class), annotators
        in the order of ``annotations.annotator_ids``; the environment
        multiplier is averaged out.
    priors : dict of str to ndarray, shape (q,)
        True class shares.
    annotator_profiles : DataFrame
        Kind (``decent``/``biased``/``spammer``) and skill per annotator.
    params : SimulationParams
    seed : int
    """

    annotations: Annotations
    ratings: pd.DataFrame
    clips: pd.DataFrame
    truth: pd.DataFrame
    confusions: dict
    priors: dict
    annotator_profiles: pd.DataFrame
    params: SimulationParams
    seed: int


def _annotator_confusions(params: SimulationParams, rng: np.random.Generator, q: int):
    acc = np.asarray(params.class_accuracy, float)
    if len(acc) != q:
        raise ValueError(f"class_accuracy has {len(acc)} entries for {q} classes")
    aff = _CONFUSION_AFFINITY if q == 5 else (np.ones((q, q)) - np.eye(q)) / max(q - 1, 1)
    n = params.n_annotators
    kinds = ["decent"] * n
    order = rng.permutation(n)
    for k in order[: params.n_biased]:
        kinds[k] = "biased"
    for k in order[params.n_biased : params.n_biased + params.n_spammers]:
        kinds[k] = "spammer"
    skills = np.clip(rng.normal(1.0, params.skill_spread, n), 0.6, 1.25)
    conf = np.empty((n, q, q))
    for a in range(n):
        hit = np.clip(acc * skills[a], 0.05, 0.97)
        noise = rng.dirichlet(np.full(q, 20.0), size=q)  # annotator's own error habits
        off = aff * 0.7 + noise * (1 - np.eye(q)) * 0.3
        off /= off.sum(1, keepdims=True)
        m = off * (1 - hit)[:, None]
        m[np.arange(q), np.arange(q)] = hit
        if kinds[a] == "biased":  # pulls a third of every class towards Neutrality
            m = 0.65 * m
            m[:, 0] += 0.35
        elif kinds[a] == "spammer":  # close to random
            m = 0.15 * m + 0.85 / q
            skills[a] = 0.15
        conf[a] = m / m.sum(1, keepdims=True)
    return conf, kinds, skills


def simulate_corpus(
    params: SimulationParams | None = None, *, seed: int = 0, taxonomy: Taxonomy | None = None
) -> SimulatedCorpus:
    """Simulate a RAER-like corpus with known truth.

    Parameters
    ----------
    params : SimulationParams, optional
        Defaults reproduce RAER's size and class counts (2,121 train and
        528 test clips).
    seed : int
        Everything follows from it (``numpy.random.default_rng(seed)``).
    taxonomy : Taxonomy, optional
        Needs a five-class ``coarse`` scheme and a ``fine`` scheme nested in
        it (default: the RAER taxonomy with its placeholder fine scheme).

    Returns
    -------
    SimulatedCorpus

    Examples
    --------
    >>> c = simulate_corpus(SimulationParams.scaled(200), seed=1)
    >>> c.annotations.n_items, c.annotations.schemes
    (200, ('coarse', 'fine'))
    >>> round(float((c.truth["coarse"] == "Neutrality").mean()), 2)
    0.65
    """
    params = params or SimulationParams()
    tax = taxonomy or default_taxonomy()
    q = tax["coarse"].n_categories
    parent = tax.mapping("fine", "coarse")
    children = [np.flatnonzero(parent == k) for k in range(q)]
    rng = np.random.default_rng(seed)
    # the sections draw from one generator in this order: changing it changes every corpus
    clips = _simulate_clips(params, rng, q, children)
    conf, kinds, skills = _annotator_confusions(params, rng, q)
    item, ann = _assign_raters(params, rng, len(clips.true_c))
    vote_c, vote_f = _simulate_votes(params, rng, clips, conf, kinds, item, ann, children, parent)

    ann_ids = [f"A{a + 1:02d}" for a in range(params.n_annotators)]
    ratings, clip_table, truth = _corpus_tables(tax, clips, item, ann, ann_ids, vote_c, vote_f)
    annotations = _simulated_annotations(tax, clip_table, item, ann, ann_ids, vote_c, vote_f, seed)
    truth = truth.reindex(annotations.item_ids)

    # true fine confusion, implied by the generating process (averaged over environments)
    conf_f = _fine_confusions(conf, kinds, children, parent, true_share=_FINE_SHARE, params=params)
    priors = {
        "coarse": np.bincount(clips.true_c, minlength=q) / len(clips.true_c),
        "fine": np.bincount(clips.true_f, minlength=tax["fine"].n_categories) / len(clips.true_c),
    }
    profiles = pd.DataFrame(
        {
            "kind": kinds,
            "skill": skills,
            "coarse_accuracy": [float(np.diag(c) @ priors["coarse"]) for c in conf],
        },
        index=pd.Index(ann_ids, name="annotator_id"),
    )
    return SimulatedCorpus(
        annotations,
        ratings,
        clip_table,
        truth,
        {"coarse": conf, "fine": conf_f},
        priors,
        profiles,
        params,
        seed,
    )


#: share of a coarse class's votes given to its first fine child (the rest to the others)
_FINE_SHARE = np.array([0.6, 0.4])


@dataclass
class _Clips:
    """The simulated clips: true labels, split, context and where each was filmed."""

    true_c: np.ndarray
    true_f: np.ndarray
    splits: np.ndarray
    is_class: np.ndarray
    env: np.ndarray
    student: np.ndarray
    paths: list
    rooms: list
    num_frames: np.ndarray


def _simulate_clips(params: SimulationParams, rng, q: int, children) -> _Clips:
    """Exact class counts per split, a context loosely tied to the emotion, students."""
    splits, true_c = [], []
    for split, counts in (("train", params.train_counts), ("test", params.test_counts)):
        lab = np.repeat(np.arange(q), counts)
        true_c.append(rng.permutation(lab))
        splits += [split] * len(lab)
    true_c = np.concatenate(true_c)
    n = len(true_c)
    # fatigue in dormitories, distraction in libraries, confusion in laboratories
    env_pref = np.ones((q, len(ENVIRONMENTS)))
    env_pref[3, 3] = 2.5
    env_pref[4, 1] = 1.6
    env_pref[2, 2] = 1.5
    is_class = rng.random(n) < params.class_session_share
    env = np.empty(n, dtype=object)
    env[is_class] = "Classroom"
    for k in range(q):
        m = (~is_class) & (true_c == k)
        p = env_pref[k] / env_pref[k].sum()
        env[m] = np.asarray(ENVIRONMENTS, dtype=object)[rng.choice(len(ENVIRONMENTS), m.sum(), p=p)]
    student_room = rng.integers(1, params.n_rooms + 1, params.n_students)
    student = rng.integers(0, params.n_students, n)
    paths, rooms = _clip_paths(params, is_class, env, student, student_room)
    num_frames = rng.choice([16, 24, 32, 32, 32, 48, 64], n)
    true_f = np.array(
        [
            children[k][rng.choice(len(children[k]), p=_child_p(len(children[k]), _FINE_SHARE))]
            for k in true_c
        ]
    )
    return _Clips(
        true_c, true_f, np.asarray(splits), is_class, env, student, paths, rooms, num_frames
    )


def _clip_paths(params: SimulationParams, is_class, env, student, student_room):
    """RAER-style clip paths (``RAER/images/<session>/<room>/<student>/<nnn>``) and rooms."""
    counter = np.zeros(params.n_students, int)
    paths, rooms = [], []
    for i in range(len(student)):
        s = student[i]
        counter[s] += 1
        sid = f"P{s + 1:03d}"
        if is_class[i]:
            room = f"Class{student_room[s]:03d}"
            paths.append(f"RAER/images/Class/Classroom/{room}/{sid}/{counter[s]:03d}")
        else:
            room = env[i]
            paths.append(f"RAER/images/SelfStudy/{env[i]}/{sid}/{counter[s]:03d}")
        rooms.append(room)
    return paths, rooms


def _assign_raters(params: SimulationParams, rng, n: int):
    """Who rates what: workload-weighted panels per clip, some short, some ratings missing."""
    n_ann = params.n_annotators
    workload = rng.uniform(0.6, 1.4, n_ann)
    n_assigned = np.full(n, min(params.ratings_per_clip, n_ann))
    short = rng.random(n) < params.p_short_clip
    n_assigned[short] = rng.integers(3, 7, short.sum())
    rows_item, rows_ann = [], []
    for i in range(n):
        g = rng.gumbel(size=n_ann) + np.log(workload)  # weighted sampling without replacement
        chosen = np.sort(np.argsort(-g)[: n_assigned[i]])
        rows_item.append(np.full(len(chosen), i))
        rows_ann.append(chosen)
    item = np.concatenate(rows_item)
    ann = np.concatenate(rows_ann)
    keep = rng.random(len(item)) >= params.p_missing
    return item[keep], ann[keep]


def _simulate_votes(params, rng, clips: _Clips, conf, kinds, item, ann, children, parent):
    """Coarse votes from each annotator's confusion, with ambiguous clips (error rate
    scaled per clip, mean 1) and harder environments; fine votes mostly under the
    annotator's own coarse vote."""
    n = len(clips.true_c)
    ambiguity = rng.beta(1.0, 2.5, n)
    err_scale = (0.1 + 2.6 * ambiguity)[item]
    err_scale[np.asarray(kinds)[ann] == "spammer"] = 1.0  # a near-random annotator ignores the clip
    diff = np.array([params.environment_difficulty.get(e, 1.0) for e in clips.env])[item]
    tc = clips.true_c[item]
    probs = conf[ann, tc].copy()
    hit = probs[np.arange(len(item)), tc]
    new_hit = np.clip(1 - (1 - hit) * err_scale, 0.02, 0.995) * diff
    scale = np.where(hit < 1, (1 - new_hit) / np.maximum(1 - hit, 1e-12), 1.0)
    probs *= scale[:, None]
    probs[np.arange(len(item)), tc] = new_hit
    vote_c = _draw(rng, probs)
    vote_f = np.empty(len(item), dtype=np.int64)
    u = rng.random(len(item))
    for r in range(len(item)):
        c = vote_c[r]
        kids = children[c]
        if u[r] < params.fine_consistency:
            if c == tc[r] and rng.random() < params.fine_accuracy * (
                1 if kinds[ann[r]] != "spammer" else 0.5
            ):
                vote_f[r] = clips.true_f[item[r]]
            else:
                vote_f[r] = kids[rng.choice(len(kids), p=_child_p(len(kids), _FINE_SHARE))]
        else:
            others = np.flatnonzero(parent != c)
            vote_f[r] = rng.choice(others)
    vote_f[rng.random(len(item)) < params.p_fine_missing] = -1
    return vote_c, vote_f


def _corpus_tables(tax: Taxonomy, clips: _Clips, item, ann, ann_ids, vote_c, vote_f):
    """The files a user would hold: ratings, clip metadata, and the truth."""
    clip_ids = np.asarray(clips.paths, dtype=object)
    cat_c = np.asarray(tax["coarse"].categories, dtype=object)
    cat_f = np.asarray(list(tax["fine"].categories) + [""], dtype=object)
    ratings = pd.DataFrame(
        {
            "clip_id": clip_ids[item],
            "annotator_id": np.asarray(ann_ids, dtype=object)[ann],
            "coarse": cat_c[vote_c],
            "fine": cat_f[vote_f],
        }
    )
    clip_table = pd.DataFrame(
        {
            "clip_id": clip_ids,
            "split": clips.splits,
            "session_type": np.where(clips.is_class, "class", "self_study"),
            "environment": clips.env.astype(str),
            "room": clips.rooms,
            "student": [f"P{s + 1:03d}" for s in clips.student],
            "num_frames": clips.num_frames,
        }
    )
    truth = pd.DataFrame(
        {"coarse": cat_c[clips.true_c], "fine": cat_f[clips.true_f]},
        index=pd.Index(clip_ids, name="item_id"),
    )
    return ratings, clip_table, truth


def _simulated_annotations(tax, clip_table, item, ann, ann_ids, vote_c, vote_f, seed):
    """The :class:`Annotations` of the votes, items ordered as the loader orders them
    (numeric-aware sort of ids), with a ledger."""

    clip_ids = clip_table["clip_id"].to_numpy(dtype=object)
    icodes, sorted_ids = _codes(item, clip_ids, None)
    meta = clip_table.set_index("clip_id").rename_axis("item_id")
    annotations = Annotations(
        icodes,
        ann,
        {"coarse": vote_c, "fine": vote_f},
        sorted_ids,
        ann_ids,
        tax,
        meta,
        Ledger(sources=(f"<simulate seed={seed}>",), rows_read=len(item)),
    )
    return finish_ledger(annotations)


def _child_p(k: int, share: np.ndarray) -> np.ndarray:
    if k == len(share):
        return share
    return np.full(k, 1.0 / k)


def _draw(rng, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (n, q)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return (u > cum).sum(1).astype(np.int64)


def _fine_confusions(conf, kinds, children, parent, *, true_share, params) -> np.ndarray:
    n_ann, q, _ = conf.shape
    qf = len(parent)
    out = np.zeros((n_ann, qf, qf))
    for a in range(n_ann):
        fa = params.fine_accuracy * (1 if kinds[a] != "spammer" else 0.5)
        for z in range(qf):
            tcl = parent[z]
            for c in range(q):
                kids = children[c]
                share = _child_p(len(kids), true_share)
                pc = conf[a, tcl, c] * params.fine_consistency
                for j, f in enumerate(kids):
                    if c == tcl:
                        out[a, z, f] += pc * (fa * (f == z) + (1 - fa) * share[j])
                    else:
                        out[a, z, f] += pc * share[j]
            # inconsistent votes: uniform over fine classes outside the coarse vote's children
            for c in range(q):
                pc = conf[a, tcl, c] * (1 - params.fine_consistency)
                others = np.flatnonzero(parent != c)
                out[a, z, others] += pc / len(others)
    return out


def write_corpus(corpus: SimulatedCorpus, out_dir, *, force: bool = False) -> dict:
    """Write the files a real user would hold, plus the truth.

    Files: ``ratings.csv`` (long: ``clip_id, annotator_id, coarse, fine``),
    ``clips.csv`` (metadata), ``train.txt`` / ``test.txt`` (official list
    layout with the true coarse code), ``truth.csv``,
    ``annotators.csv`` (true annotator profiles) and ``params.json``.

    Returns
    -------
    dict of str to Path
    """

    out = Path(out_dir)
    names = [
        "ratings.csv",
        "clips.csv",
        "train.txt",
        "test.txt",
        "truth.csv",
        "annotators.csv",
        "params.json",
    ]
    paths = {nm: out / nm for nm in names}
    # all seven files or none: a failure part-way leaves no partial corpus
    with atomic_files(paths.values(), force=force) as tmp:

        def put(nm, text):
            tmp[paths[nm]].write_text(text, encoding="utf-8", newline="\n")

        put("ratings.csv", corpus.ratings.to_csv(index=False, lineterminator="\n"))
        put("clips.csv", corpus.clips.to_csv(index=False, lineterminator="\n"))
        tax = corpus.annotations.taxonomy
        code_of = dict(zip(tax["coarse"].categories, tax["coarse"].codes))
        truth = corpus.truth
        for split in ("train", "test"):
            c = corpus.clips[corpus.clips["split"] == split]
            listfile.write_list_file(
                tmp[paths[f"{split}.txt"]],
                c["clip_id"],
                c["num_frames"],
                [code_of[x] for x in truth.loc[c["clip_id"], "coarse"]],
            )
        put(
            "truth.csv",
            truth.rename_axis("clip_id").reset_index().to_csv(index=False, lineterminator="\n"),
        )
        put(
            "annotators.csv",
            corpus.annotator_profiles.reset_index().to_csv(
                index=False, lineterminator="\n", float_format="%.4f"
            ),
        )
        put(
            "params.json",
            json.dumps({"seed": corpus.seed, **asdict(corpus.params)}, indent=2, default=list)
            + "\n",
        )
    return paths


def sample_path() -> Path:
    """Folder of the bundled synthetic RAER-like corpus (``simulate --seed 2025``)."""
    return Path(str(resources.files("raer_agreement.data").joinpath("sample")))


@functools.lru_cache(maxsize=1)
def load_sample() -> Annotations:
    """The bundled synthetic RAER-like corpus, loaded like a user's files.

    2,649 clips (2,121 train / 528 test) with coarse and fine votes, read
    from ``ratings.csv`` with the clip metadata of ``train.txt`` and
    ``test.txt``.  Its truth is in ``sample_path() / "truth.csv"``.

    Examples
    --------
    >>> ann = load_sample()
    >>> ann.n_items, ann.schemes
    (2649, ('coarse', 'fine'))
    """

    d = sample_path()
    return load_ratings(d / "ratings.csv", clips=[d / "clips.csv"])
