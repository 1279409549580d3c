"""Ratings that do not fit in memory: the package's estimators on a Dask cluster.

Needs the ``dask`` extra (``pip install 'raer_agreement[dask]'``: ``dask[dataframe]``
and ``distributed``).  The entry points:

* :func:`connect` -- a ``distributed.Client`` to a running scheduler, or a
  ``LocalCluster`` using this machine's cores;
* :func:`read_ratings` -- a folder or glob of long Parquet/CSV files,
  validated with the in-memory policies, as :class:`DaskRatings`;
* :func:`majority_vote`, :func:`dawid_skene` (``model="full"``,
  ``"diagonal"``, ``"one-coin"``) -- a :class:`DistributedFit` whose
  per-clip labels and posteriors stay on the workers until written with
  :meth:`DistributedFit.write_parquet` (one file per partition);
* :func:`agreement_table` -- percent agreement, Fleiss, Brennan-Prediger,
  AC1 and Krippendorff's alpha with SEs;
* :func:`csv_to_parquet` -- a long CSV as a clip-partitioned Parquet folder.

Results equal the in-memory estimators' (labels identical, numbers to
floating-point rounding of sums).

Examples
--------
>>> from raer_agreement import distributed as rd
>>> with rd.connect() as client:                                  # doctest: +SKIP
...     ratings = rd.read_ratings("ratings_parquet/", client)
...     rd.dawid_skene(ratings).write_parquet("labels/")
...     print(rd.agreement_table(ratings))
"""

from .._lazy import lazy_attributes

# The names load on first use, so that ``raer-agreement --help`` (which reads
# the engine options from ``distributed.cli``) imports neither pandas nor Dask.
_LAZY = {
    "DistributedFit": "._aggregate",
    "dawid_skene": "._aggregate",
    "majority_vote": "._aggregate",
    "TABLE_COEFFICIENTS": "._agreement",
    "agreement_table": "._agreement",
    "close": "._cluster",
    "connect": "._cluster",
    "csv_to_parquet": "._convert",
    "DaskRatings": "._ingest",
    "read_ratings": "._ingest",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

__all__ = [
    "connect",
    "close",
    "read_ratings",
    "DaskRatings",
    "majority_vote",
    "dawid_skene",
    "DistributedFit",
    "agreement_table",
    "TABLE_COEFFICIENTS",
    "csv_to_parquet",
]
