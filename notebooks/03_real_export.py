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
# # A real export, from file to report to soft labels
#
# A Toloka pool download as its authors published it: relevance ratings
# (0-3) of arguments for comparative questions, from the repository
# `uhh-lt/cam-arg-relevance` ("How to Compare Things Properly? A Study of
# Argument Relevance in Comparative Question Answering", ACL 2025). One
# record per task and assignment, multi-line quoted task texts, expired
# assignments with an empty answer and control tasks with a gold answer.
#
# The file is not part of the package. The notebook reads it from the
# folder named by `RAER_AGREEMENT_SHARED`, or from a `shared/` folder beside
# the checkout (`../../shared` from here); it downloads nothing.

# %%
import os
import tempfile
from pathlib import Path

import pandas as pd

import raer_agreement as ra
from raer_agreement import metrics
from raer_agreement.aggregation import DawidSkene, model_soft_labels
from raer_agreement.exports import export_soft_labels
from raer_agreement.report import build_report, plots, write_report

EXPORT = "datasets/real_formats/toloka_camarg/assignments_from_pool_42774131__05-02-2024.tsv"


def find_export() -> Path:
    roots = [Path(os.environ["RAER_AGREEMENT_SHARED"])] if "RAER_AGREEMENT_SHARED" in os.environ else []
    roots += [d / "shared" for d in (Path.cwd(), *Path.cwd().parents)]
    for root in roots:
        if (root / EXPORT).is_file():
            return root / EXPORT
    raise FileNotFoundError(f"{EXPORT} not found under {[str(r) for r in roots]}: "
                            "set RAER_AGREEMENT_SHARED to the folder that holds datasets/")


path = find_export()
path.name

# %% [markdown]
# ## Reading: nothing dropped without a reason
# The layout is recognised from the columns; the ledger says which columns
# became clip, annotator and label, and which rows are not ratings.

# %%
ann = ra.load_ratings(path)
print(ann.ledger.summary())

# %% [markdown]
# ## Agreement
# Four ordered classes, three to five ratings per task: agreement is low,
# and no class dominates, so kappa and AC1 tell the same story here.

# %%
table = ra.agreement_table(ann, "label", n_boot=200, rng=0)
table[["coefficient", "estimate", "ci_low", "ci_high", "boot_ci_low", "boot_ci_high"]].round(3)

# %%
ax = plots.plot_coefficients(table, title="Toloka relevance ratings")

# %%
per_class = metrics.per_class_agreement(ann, "label", n_boot=200, rng=0)
ax = plots.plot_per_class(per_class.rename(columns={"boot_ci_low": "fleiss_kappa_ci_low",
                                                    "boot_ci_high": "fleiss_kappa_ci_high"}))

# %% [markdown]
# ## The report
# The same numbers, with the per-annotator view, the aggregation compared
# and the clips to review, in one page (`report.html`) and its data
# (`report.json`), written to a temporary folder here.

# %%
out = Path(tempfile.mkdtemp())
report = build_report(ann, n_boot=100, seed=0)
written = write_report(report, out, force=True, inputs=[path])
sorted(p.name for p in written.values())

# %%
pd.DataFrame(report.document["aggregation"]["changed"])

# %% [markdown]
# ## Soft labels
# Dawid-Skene's posterior per task, written as Parquet with the JSON
# sidecar that records the input file and its SHA-256.

# %%
model = DawidSkene().fit(ann, "label")
soft = model_soft_labels(model, ann, "label", fitted=True, method="dawid-skene")
files = export_soft_labels(soft, out, stem="toloka_soft", formats=("parquet",), inputs=[path], force=True)
pd.read_parquet(files["parquet"]).head()
