"""CLI subcommands: one module each, with ``register(subparsers, name)``
(adding a parser whose ``run`` default is the command) and ``run(args)``."""
