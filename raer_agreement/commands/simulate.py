"""``raer-agreement simulate``: write a synthetic RAER-like corpus with its truth."""

from __future__ import annotations

from ..errors import InputError


def register(sub, name):
    p = sub.add_parser(
        name,
        help="write a synthetic RAER-like corpus (ratings, clip metadata, list files, truth)",
        description="Simulate a RAER-like corpus with known truth and write the files a user "
        "would hold: ratings.csv, clips.csv, train.txt, test.txt, plus truth.csv, "
        "annotators.csv and params.json.",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--n-clips", type=int, help="number of clips (default: RAER's 2,649 with its class counts)"
    )
    p.add_argument("--n-annotators", type=int, default=14, help="annotator pool size (default 14)")
    p.add_argument(
        "--ratings-per-clip", type=int, default=10, help="annotators assigned per clip (default 10)"
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..simulate import SimulationParams, simulate_corpus, write_corpus

    if args.n_clips is not None and args.n_clips < 10:
        raise InputError("--n-clips must be at least 10", value=args.n_clips)
    if args.ratings_per_clip < 1 or args.n_annotators < 2:
        raise InputError("need --n-annotators >= 2 and --ratings-per-clip >= 1")
    kw = dict(n_annotators=args.n_annotators, ratings_per_clip=args.ratings_per_clip)
    params = SimulationParams.scaled(args.n_clips, **kw) if args.n_clips else SimulationParams(**kw)
    corpus = simulate_corpus(params, seed=args.seed)
    paths = write_corpus(corpus, args.out, force=args.force)
    a = corpus.annotations
    print(
        f"simulated {a.n_items} clips, {a.n_annotators} annotators, {a.n_ratings} ratings (seed {args.seed})"
    )
    for p in paths.values():
        print(f"  {p}")
    return 0
