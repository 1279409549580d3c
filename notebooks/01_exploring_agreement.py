# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exploring agreement on the sample
#
# The bundled corpus is a synthetic RAER-like data set: 2,649 clips, about ten
# annotators per clip, a coarse scheme (the five academic emotions) and a
# finer placeholder scheme nested in it. Its truth is known, so we can see
# what agreement statistics do and do not tell us.

# %%
import pandas as pd

import raer_agreement as ra
from raer_agreement import metrics
from raer_agreement.report import plots
from raer_agreement.simulate import load_sample, sample_path

ann = load_sample()
ann

# %% [markdown]
# Every input row is accounted for in the ledger.

# %%
print(ann.ledger.summary())

# %% [markdown]
# ## The coefficient table
# Estimates with Gwet-linearised standard errors, t-based intervals and a
# bootstrap over clips (seeded). Neutrality dominates, so kappa-type
# coefficients sit well below AC1 and Brennan-Prediger: the kappa paradox.

# %%
table = metrics.agreement_table(ann, "coarse", n_boot=500, rng=0)
table[["coefficient", "estimate", "ci_low", "ci_high", "boot_ci_low", "boot_ci_high", "landis_koch"]].round(3)

# %%
ax = plots.plot_coefficients(table, title="coarse scheme")

# %% [markdown]
# ## Where agreement breaks down
# Per class: Confusion, the rarest class, is also the least reliable.

# %%
per_class = metrics.per_class_agreement(ann, "coarse", n_boot=300, rng=0)
per_class.round(3)

# %%
ax = plots.plot_per_class(per_class.rename(columns={"boot_ci_low": "fleiss_kappa_ci_low",
                                                    "boot_ci_high": "fleiss_kappa_ci_high"}))

# %% [markdown]
# Per annotator: agreement with the consensus of the others, and how alpha
# moves when the annotator is left out. The simulator planted one
# near-random annotator and one who over-uses Neutrality; compare.

# %%
per_annotator = metrics.per_annotator_agreement(ann, "coarse")
profiles = pd.read_csv(sample_path() / "annotators.csv").set_index("annotator_id")
per_annotator.join(profiles["kind"]).sort_values("kappa_vs_consensus")[
    ["kind", "n_ratings", "kappa_vs_consensus", "alpha_influence"]].round(3)

# %% [markdown]
# By context: agreement is lower in dormitories, where the simulator makes
# clips harder to read.

# %%
by_env = metrics.agreement_by(ann, "environment", "coarse")
by_env[by_env["coefficient"].isin(["krippendorff_alpha", "gwet_ac1"])][
    ["environment", "coefficient", "estimate", "ci_low", "ci_high", "n_items"]].round(3)

# %% [markdown]
# ## Two granularities
# How consistent are the fine labels with each annotator's own coarse label,
# and how does alpha change when fine votes are collapsed to the coarse level?

# %%
metrics.granularity_agreement(ann).round(3)

# %% [markdown]
# ## Peers compute the same numbers
# The converters give each peer library its own layout with every declared
# category kept.

# %%
import krippendorff

alpha_peer = krippendorff.alpha(ann.to_raters_x_items("coarse"), level_of_measurement="nominal",
                                value_domain=range(ann.n_categories("coarse")))
alpha_ours = float(table.set_index("coefficient").loc["krippendorff_alpha", "estimate"])
print(f"krippendorff package: {alpha_peer:.12f}   raer_agreement: {alpha_ours:.12f}")
assert abs(alpha_peer - alpha_ours) < 1e-12
