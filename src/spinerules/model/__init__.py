"""Stage 2, nodes to a validated model: `use` resolution, validation, the model itself (facts,
techniques, sites, rules, `Verdict` and its order) and checking patient profiles."""
