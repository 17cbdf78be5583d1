"""Stage 1, text to nodes: the grammar's one reader, its error recovery, the node classes,
comments, the one printer (`unparse`) and the formatter."""
