"""A two-granularity Dawid-Skene model: coarse and fine votes aggregated
jointly, consistent with the taxonomy.

Latent state
    With a taxonomy mapping (``fine`` nested in ``coarse``), the state is the
    clip's true fine class ``z``; its true coarse class is ``parent(z)``.
    Without a mapping, the state is the pair ``(z_coarse, z_fine)`` with a
    learned joint prior (the product space), and each annotator's coarse
    and fine votes follow their own full confusion matrices, independent
    given the state.
Votes, with a mapping
    Each rating is read at two levels.  Its *coarse-level* vote (the coarse
    label, or the parent of the fine label when the coarse one is missing)
    follows ``Theta_coarse[a][parent(z), :]``: one small matrix per
    annotator, learned from all the ratings.  Its fine label, given the
    coarse level it falls in, follows a *within-parent* distribution
    ``W[a][z, f]`` (each row sums to one within every parent group).  So a
    fine vote's probability is ``Theta_coarse[a][parent(z), parent(f)] *
    W[a][z, f]``, and a coarse vote that is just the parent of the same
    rating's fine vote is not counted twice.  A rating whose fine label lies
    outside its own coarse label contributes both coarse levels.
Shrinkage
    ``W`` rows of rare fine classes have little data: a Dirichlet prior of
    strength ``shrinkage`` pulls them towards the annotator's pooled
    behaviour (their overall rate of picking the right child within the
    right parent; their overall choice of child within a wrong parent).
Output
    The coarse posterior is the fine posterior summed over children, so the
    two levels never contradict each other.

The engine is :func:`raer_agreement.aggregation.dawid_skene.run_em` (two
views of one latent state); an iteration is four sparse-dense products.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..annotations import Annotations
from .base import (
    Aggregator,
    annotations_and_scheme,
    entropy,
    fold_matrix,
    gold_codes,
    incidence_matrix,
    no_other_options,
)
from .dawid_skene import View, confusion_from_counts, run_em

__all__ = ["HierarchicalDawidSkene"]


class HierarchicalDawidSkene(Aggregator):
    """Joint Dawid-Skene over two label granularities.

    Parameters
    ----------
    coarse, fine : str, optional
        Scheme names; default: the first nested (child, parent) pair of the
        taxonomy among the schemes present, else the first two schemes
        (product space).
    use_mapping : bool, default True
        Use the taxonomy mapping when there is one; False forces the
        product space.
    smoothing : float, default 0.0
        Dirichlet pseudo-count added to every confusion cell (0 = maximum
        likelihood, the default of :class:`DawidSkene`, whose model the
        coarse level is).
    shrinkage : float, default 5.0
        Strength (pseudo-votes per true fine class and parent group) of the
        prior pulling each within-parent row towards the annotator's pooled
        behaviour (mapping only).
    prior_smoothing : float, default 0.0
        Dirichlet pseudo-count per latent state of the prior.
    max_iter : int, default 100
    tol : float, default 1e-6

    Attributes
    ----------
    posteriors_ : DataFrame, shape (n_items, q_scheme)
        Posterior of the scheme passed to :meth:`fit` (default coarse).
    labels_ : Series of categorical, shape (n_items,)
    posteriors_by_scheme_ : dict of str -> DataFrame
        Both levels; the coarse one is the fine one summed over children.
    labels_by_scheme_ : dict of str -> Series
        MAP label of each level (the coarse label is the argmax of the
        coarse posterior, so it may differ from the parent of the fine MAP
        label when a parent's mass is spread over its children).
    confusions_ : dict of str -> ndarray, shape (n_annotators, K, q)
        Per annotator, rows = true class: the coarse confusions, and the
        implied fine confusions ``P(fine vote | true fine class)``.
    within_parent_ : ndarray, shape (n_annotators, q_fine, q_fine) or None
        ``W`` (mapping only).
    priors_ : Series, shape (q_scheme,)
    joint_priors_ : DataFrame, shape (q_coarse, q_fine)
        Prior of the latent (coarse, fine) state.
    log_likelihood_ : ndarray
    n_iter_ : int
    converged_ : bool
    product_space_ : bool
        True when no mapping was used.

    Examples
    --------
    >>> from raer_agreement.taxonomy import Taxonomy
    >>> tax = Taxonomy.from_dict({"schemes": [
    ...     {"name": "coarse", "categories": ["pos", "neg"]},
    ...     {"name": "fine", "parent": "coarse", "categories": [
    ...         {"name": "joy", "parent": "pos"}, {"name": "calm", "parent": "pos"},
    ...         {"name": "anger", "parent": "neg"}]}]})
    >>> df = pd.DataFrame({"item": list("aaabbb"), "annotator": list("xyzxyz"),
    ...                    "coarse": ["pos", "pos", "neg", "neg", "neg", "neg"],
    ...                    "fine": ["joy", "joy", "anger", "anger", "anger", None]})
    >>> from raer_agreement.io import from_long
    >>> ann = from_long(df, taxonomy=tax)
    >>> h = HierarchicalDawidSkene().fit(ann)
    >>> h.labels_.tolist(), h.labels_by_scheme_["fine"].tolist()
    (['pos', 'neg'], ['joy', 'anger'])
    """

    def __init__(
        self,
        *,
        coarse: str | None = None,
        fine: str | None = None,
        use_mapping: bool = True,
        smoothing: float = 0.0,
        shrinkage: float = 5.0,
        prior_smoothing: float = 0.0,
        max_iter: int = 100,
        tol: float = 1e-6,
    ):
        self.coarse = coarse
        self.fine = fine
        self.use_mapping = use_mapping
        self.smoothing = smoothing
        self.shrinkage = shrinkage
        self.prior_smoothing = prior_smoothing
        self.max_iter = max_iter
        self.tol = tol

    def _schemes(self, ann: Annotations) -> tuple[str, str, np.ndarray | None]:
        present = ann.schemes
        coarse, fine = self.coarse, self.fine
        if coarse is None or fine is None:
            pairs = [(c, p) for c, p in ann.taxonomy.pairs() if c in present and p in present]
            if (
                pairs
                and (fine is None or fine == pairs[0][0])
                and (coarse is None or coarse == pairs[0][1])
            ):
                fine, coarse = pairs[0]
            elif len(present) >= 2:
                rest = [s for s in present if s not in (coarse, fine)]
                coarse = coarse or rest.pop(0)
                fine = fine or rest.pop(0)
            else:
                raise ValueError(
                    "the hierarchical model needs two label schemes (e.g. coarse and fine); "
                    f"these annotations hold only {', '.join(present)}"
                )
        for s in (coarse, fine):
            ann.resolve_scheme(s)
        if coarse == fine:
            raise ValueError("coarse and fine must be different schemes")
        mapping = None
        if self.use_mapping:
            try:
                mapping = ann.taxonomy.mapping(fine, coarse)
            except KeyError:
                mapping = None
        return coarse, fine, mapping

    def fit(
        self, data, scheme: str | None = None, gold=None, **fit_params
    ) -> HierarchicalDawidSkene:
        """Run joint EM.

        Parameters
        ----------
        data : Annotations or DataFrame
            Must hold two schemes.
        scheme : str, optional
            Scheme of ``posteriors_`` and ``labels_`` (default: coarse).
        gold : Series or mapping of clip id -> fine label, optional
            Clamp known clips (needs the mapping).

        Returns
        -------
        self
        """
        no_other_options(type(self).__name__, fit_params)
        ann, _ = annotations_and_scheme(data, None)
        self._check_identities(ann)
        coarse, fine, _ = self._schemes(ann)
        scheme = coarse if scheme is None else scheme
        if scheme not in (coarse, fine):
            raise ValueError(f"scheme must be {coarse!r} or {fine!r}; got {scheme!r}")
        super().fit(ann, scheme, gold=gold)
        joint = self.joint_priors_.to_numpy()
        pri = joint.sum(axis=1) if scheme == coarse else joint.sum(axis=0)
        self.priors_ = pd.Series(
            pri, index=pd.Index(ann.categories(scheme), name=scheme), name="prior"
        )
        return self

    def _fit(self, ann: Annotations, scheme: str, gold=None, **fit_params) -> np.ndarray:
        """Joint EM over both schemes; the posteriors of ``scheme`` (coarse or fine)."""
        coarse, fine, mapping = self._schemes(ann)
        for name in ("smoothing", "shrinkage", "prior_smoothing"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0; got {getattr(self, name)!r}")
        kc, kf = ann.n_categories(coarse), ann.n_categories(fine)
        if mapping is not None:
            n_states = kf
            state_c, state_f = mapping, np.arange(kf)
        else:
            n_states = kc * kf
            state_c, state_f = np.repeat(np.arange(kc), kf), np.tile(np.arange(kf), kc)
        self.product_space_ = mapping is None
        views, m_step = self._views(ann, coarse, fine, mapping, state_c, state_f)
        init = _start(views, state_c, state_f)
        g = np.full(ann.n_items, -1)
        if gold is not None:
            if mapping is None:
                raise ValueError("gold labels in the hierarchical model need a taxonomy mapping")
            g = gold_codes(gold, ann, fine)
        res = run_em(
            views,
            n_states,
            init_posteriors=init,
            prior_smoothing=self.prior_smoothing,
            gold=g,
            max_iter=self.max_iter,
            tol=self.tol,
            m_step=m_step,
        )
        self._set_results(ann, res, coarse, fine, mapping, state_c, state_f)
        return self.posteriors_by_scheme_[scheme].to_numpy()

    def _views(self, ann: Annotations, coarse, fine, mapping, state_c, state_f):
        """The coarse-level and fine views of the votes, and the M-step of the model.

        With a mapping, a rating's coarse level is its coarse label, else the
        parent of its fine label; the fine view is then read within parents.
        """
        kc, kf = ann.n_categories(coarse), ann.n_categories(fine)
        m, n = ann.n_annotators, ann.n_items
        lab_c, lab_f = ann.labels[coarse], ann.labels[fine]
        item, ann_code = ann.item, ann.annotator
        has_c, has_f = lab_c >= 0, lab_f >= 0
        Xf = incidence_matrix(item[has_f], ann_code[has_f] * kf + lab_f[has_f], n, m * kf)
        Xc = incidence_matrix(item[has_c], ann_code[has_c] * kc + lab_c[has_c], n, m * kc)
        smoothing, shrinkage = self.smoothing, self.shrinkage
        if mapping is None:
            vc = View(Xc, m, kc, state_c, kc, "full", smoothing)
            vf = View(Xf, m, kf, state_f, kf, "full", smoothing)

            def m_step(post):
                return [
                    confusion_from_counts(vc.expected_counts(post), "full", smoothing),
                    confusion_from_counts(vf.expected_counts(post), "full", smoothing),
                ]

            return [vc, vf], m_step
        # coarse level of every rating: its coarse label, else the parent of its fine label
        parent_f = np.where(has_f, mapping[np.maximum(lab_f, 0)], -1)
        extra = has_f & ~has_c
        Xc_level = (
            Xc + incidence_matrix(item[extra], ann_code[extra] * kc + parent_f[extra], n, m * kc)
        ).tocsr()
        vc = View(Xc_level, m, kc, state_c, kc, "full", smoothing)
        vf = View(Xf, m, kf, state_f, kf, "full", smoothing)
        group = np.zeros((kf, kc))
        group[np.arange(kf), mapping] = 1.0
        n_children = group.sum(axis=0)[mapping]
        same_parent = mapping[:, None] == mapping[None, :]

        def m_step_within(post):
            theta_c = confusion_from_counts(vc.expected_counts(post), "full", smoothing)
            cf = vf.expected_counts(post)
            prior = _within_parent_prior(cf, mapping, group, n_children, same_parent)
            w = cf + smoothing + shrinkage * prior
            return [theta_c, w / (w @ group)[:, :, mapping]]

        return [vc, vf], m_step_within

    def _set_results(self, ann: Annotations, res, coarse, fine, mapping, state_c, state_f):
        """Both levels' posteriors, labels and entropies, the joint prior and the confusions."""
        kc, kf = ann.n_categories(coarse), ann.n_categories(fine)
        post, n = res.posteriors, ann.n_items
        pc_post = np.zeros((n, kc))
        pf_post = np.zeros((n, kf))
        for s in range(post.shape[1]):
            pc_post[:, state_c[s]] += post[:, s]
            pf_post[:, state_f[s]] += post[:, s]
        idx = pd.Index(ann.item_ids, name="item_id")
        self.posteriors_by_scheme_ = {
            coarse: pd.DataFrame(
                pc_post, index=idx, columns=pd.Index(ann.categories(coarse), name=coarse)
            ),
            fine: pd.DataFrame(
                pf_post, index=idx, columns=pd.Index(ann.categories(fine), name=fine)
            ),
        }
        self.labels_by_scheme_ = {
            s: pd.Series(
                pd.Categorical.from_codes(
                    np.argmax(p.to_numpy(), axis=1), categories=list(p.columns)
                ),
                index=idx,
                name=s,
            )
            for s, p in self.posteriors_by_scheme_.items()
        }
        self.entropy_by_scheme_ = {
            s: pd.Series(entropy(p.to_numpy()), index=idx, name="entropy")
            for s, p in self.posteriors_by_scheme_.items()
        }
        joint = np.zeros((kc, kf))
        joint[state_c, state_f] = res.priors
        self.joint_priors_ = pd.DataFrame(
            joint,
            index=pd.Index(ann.categories(coarse), name=coarse),
            columns=pd.Index(ann.categories(fine), name=fine),
        )
        if mapping is None:
            self.confusions_ = {coarse: res.thetas[0], fine: res.thetas[1]}
            self.within_parent_ = None
        else:
            th_c, w = res.thetas
            self.within_parent_ = w
            self.confusions_ = {coarse: th_c, fine: th_c[:, mapping, :][:, :, mapping] * w}
        self.coarse_, self.fine_ = coarse, fine
        self.mapping_ = mapping
        self.log_likelihood_ = res.log_likelihood
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged


def _start(views, state_c, state_f) -> np.ndarray:
    """The EM start: the product of the smoothed coarse-level and fine vote shares of each clip."""
    vc, vf = views
    kc, kf = vc.q, vf.q
    cnt_c = np.asarray((vc.X @ fold_matrix(vc.n_annotators, kc)).toarray())
    cnt_f = np.asarray((vf.X @ fold_matrix(vf.n_annotators, kf)).toarray())
    pc = (cnt_c + 0.1) / (cnt_c.sum(1, keepdims=True) + 0.1 * kc)
    pf = (cnt_f + 0.1) / (cnt_f.sum(1, keepdims=True) + 0.1 * kf)
    init = pc[:, state_c] * pf[:, state_f]
    init /= init.sum(axis=1, keepdims=True)
    return init


def _within_parent_prior(cf, mapping, group, n_children, same_parent):
    """Prior mean of ``W`` from each annotator's pooled behaviour.

    Within the true parent: the pooled rate of picking the true child,
    the rest spread over its siblings.  Within another parent: the pooled
    choice of child in that group.  Shape (n_annotators, q_fine, q_fine).
    """
    n_ann, kf, _ = cf.shape
    diag = (
        np.einsum("azz->a", cf[:, n_children > 1][:, :, n_children > 1])
        if (n_children > 1).any()
        else 0.0
    )
    own = (
        (cf * same_parent).sum(axis=2)[:, n_children > 1].sum(axis=1)
        if (n_children > 1).any()
        else 0.0
    )
    acc = np.where(own > 0, (diag + 1.0) / (np.asarray(own) + 2.0), 0.5)  # Laplace: never 0 or 1
    pooled = cf.sum(axis=1)  # (n_ann, kf): child chosen, any truth
    gs = (pooled @ group)[:, mapping]
    choice = np.where(gs > 0, pooled / np.where(gs > 0, gs, 1.0), 1.0 / n_children)
    out = np.repeat(choice[:, None, :], kf, axis=1)
    eye = np.eye(kf, dtype=bool)
    inside = np.where(
        eye, acc[:, None, None], (1.0 - acc[:, None, None]) / np.maximum(n_children - 1, 1)
    )
    single = n_children == 1
    inside = np.where(single[None, None, :] & same_parent[None], 1.0, inside)
    return np.where(same_parent[None], inside, out)
