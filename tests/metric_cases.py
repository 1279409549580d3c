"""Published worked examples for the agreement metrics (fixtures).

Each table is a published fact, copied here with its source; ``None`` is a
missing rating.  Expected values are compared at the precision printed in
the source.
"""

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", 4 coders
# x 12 units (rows are coders).  Alpha values: krippendorff package doctests
# (nominal 0.743, ordinal 0.815, ratio 0.797), dkpro-statistics (interval
# 0.849).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
KRIPPENDORFF_2011_ALPHA = {
    "nominal": 0.743421052631579,
    "ordinal": 0.8153875037548814,
    "interval": 0.8491071428571428,
    "ratio": 0.7974027747116121,
}

# irrCAC R package, data set cac.raw4raters (Gwet 2014), units x raters.
# The same votes as Krippendorff (2011) except that the single vote on unit
# 12 belongs to Rater3 (irrCAC inst/extdata/cac.raw4raters.csv); only
# Conger's kappa, which uses the raters' own marginals, notices.
CAC_RAW4RATERS = [
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, None, 3, None],
]
# irrCAC README values for cac.raw4raters: estimate, SE (Gwet's
# linearisation), 95% CI (t(n-1), upper bound clipped at 1), chance agreement.
CAC_RAW4RATERS_EXPECTED = {
    "percent_agreement": {"estimate": 0.8181818, "se": 0.12561, "ci": (0.542, 1.0)},
    "gwet_ac1": {"estimate": 0.77544, "se": 0.14295, "ci": (0.461, 1.0), "pe": 0.1903212},
    "fleiss_kappa": {"estimate": 0.76117, "se": 0.15302, "ci": (0.424, 1.0), "pe": 0.2387153},
    "krippendorff_alpha": {
        "estimate": 0.74342,
        "se": 0.14548,
        "ci": (0.423, 1.0),
        "pa": 0.805,
        "pe": 0.24,
    },
    "conger_kappa": {"estimate": 0.76282, "se": 0.14917, "ci": (0.435, 1.0), "pe": 0.2334252},
    "brennan_prediger": {"estimate": 0.77273, "se": 0.14472, "ci": (0.454, 1.0), "pe": 0.2},
}

# Wikipedia "Fleiss' kappa" worked example: 10 subjects x 14 raters x 5
# categories (counts); asserted in statsmodels test_inter_rater.py (0.210).
WIKIPEDIA_FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]
WIKIPEDIA_FLEISS_EXPECTED = {
    "fleiss_kappa": 0.20993070442195522,
    "randolph_kappa": 0.2225274725274725,
    "percent_agreement": 0.378021978021978,
}

# Wikipedia "Krippendorff's alpha" example, 3 coders x 15 units (rows are
# coders); krippendorff package doctests.
WIKIPEDIA_KRIPPENDORFF = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]
WIKIPEDIA_KRIPPENDORFF_ALPHA = {"nominal": 0.691358024691358, "interval": 0.8108448928121059}

# Fleiss (1971) psychiatric diagnoses: 30 subjects x 6 raters, categories
# 1..5.  statsmodels test (kappa 0.4302445); R irr::kappam.fleiss (z 17.65183,
# SE under H0); per-category kappas by Fleiss's kappa_j formula.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]
FLEISS_1971_EXPECTED = {
    "fleiss_kappa": 0.43024452006014074,
    "se_h0": 0.024373932099411154,
    "z": 17.65183,
    "per_category_kappa": [0.24475524, 0.24475524, 0.52, 0.47112727, 0.56611781],
    "category_totals": [26, 26, 30, 55, 43],
}

# SAS PROC FREQ example used in statsmodels test_inter_rater.py (table10):
# two raters, rows rater A.  Asymptotic SE (Fleiss-Cohen-Everitt), normal
# 95% CI, SE under H0 and z.
SAS_COHEN_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
SAS_COHEN_EXPECTED = {
    "estimate": 0.4842,
    "se": 0.138,
    "ci": (0.2137, 0.7547),
    "se_h0": 0.1484,
    "z": 3.2626,
}

# irrCAC README, cont3x3abstractors (two raters: Ectopic, AIU, NIU).
GWET_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
GWET_ABSTRACTORS_EXPECTED = {
    "cohen_kappa": {"estimate": 0.7964094, "se": 0.05891072},
    "scott_pi": {"estimate": 0.7962397},
    "gwet_ac1": {"estimate": 0.8493305, "se": 0.04321747},
    "brennan_prediger": {"estimate": 0.835},
    "krippendorff_alpha": {"estimate": 0.7972585},
    "percent_agreement": {"estimate": 0.89},
}

# Feinstein & Cicchetti (1990): the same observed agreement 0.85, very
# different kappa; AC1 stays high (Gwet 2008).  Two raters, rows rater A.
PARADOX_A = [[40, 9], [6, 45]]
PARADOX_B = [[80, 10], [5, 5]]
PARADOX_EXPECTED = {
    "A": {"percent_agreement": 0.85, "cohen_kappa": 0.699519},
    "B": {"percent_agreement": 0.85, "cohen_kappa": 0.318182, "gwet_ac1": 0.808},
}
