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
# # Making soft-label targets for training
#
# From the votes to files a training script (such as CLIP-CAER's) reads
# unchanged: hard labels in the official list layout, and soft labels with
# clip ids and class order inside the file.

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from raer_agreement.aggregation import (DawidSkene, HierarchicalDawidSkene, MajorityVote, evaluate,
                                        model_soft_labels, vote_distribution)
from raer_agreement.exports import export_soft_labels, write_list_files
from raer_agreement.simulate import load_sample, sample_path

ann = load_sample()
truth = pd.read_csv(sample_path() / "truth.csv", dtype=str).set_index("clip_id")

# %% [markdown]
# ## Final labels three ways, scored against the simulated truth
# UAR (mean per-class recall) is RAER's primary metric; WAR is accuracy.

# %%
models = {"majority vote": MajorityVote(tie_break="random", random_state=0),
          "Dawid-Skene": DawidSkene(),
          "two-granularity": HierarchicalDawidSkene()}
rows = []
for name, model in models.items():
    model.fit(ann, "coarse")
    ev = evaluate(model.labels_.astype(object).dropna().astype(str), truth["coarse"])
    rows.append({"method": name, "UAR": ev.uar, "WAR": ev.war, "Confusion recall": ev.recall["Confusion"]})
pd.DataFrame(rows).round(4)

# %% [markdown]
# ## Soft labels
# The empirical vote distribution (optionally smoothed) or a model's
# posterior. Each row sums to 1.

# %%
votes = vote_distribution(ann, "coarse", alpha=0.5)
posterior = model_soft_labels(models["two-granularity"], ann, "coarse", fitted=True, method="hierarchical")
votes.to_frame().head()

# %% [markdown]
# ## Writing the targets
# NPZ (with `clip_ids`, `classes`, `counts`, `probs`), CSV, and a JSON
# sidecar with the class order, method and parameters; plus the official
# list files with the aggregated labels.

# %%
out = Path(tempfile.mkdtemp())
written = export_soft_labels(posterior, out, formats=("npz", "csv"))
lists = write_list_files(models["two-granularity"].labels_, ann, out, scheme="coarse")
sorted(p.name for p in out.iterdir())

# %% [markdown]
# A training script needs nothing of this package to read them back:

# %%
z = np.load(out / "soft_labels.npz", allow_pickle=False)
print(z["classes"], z["probs"].dtype, z["probs"].shape)
assert np.allclose(z["probs"].sum(axis=1), 1, atol=1e-6)
target = dict(zip(z["clip_ids"], z["probs"]))
print(open(out / "train.txt").readline().strip())
