"""Stage 3, model to answers: condition lowering and Kleene logic, the index, code
generation, running a program, the rule trace, `Result`, `KnowledgeBase` and the cache."""
