"""Side-by-side benchmark of spinerules against hand-written code and other rule engines.

Run ``python -m benchmarks.run`` (see ``benchmarks/README.md``).
"""
