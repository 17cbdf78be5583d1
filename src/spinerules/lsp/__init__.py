"""The language server for `.rules` files (`spinerules lsp`; needs the `lsp` extra):
`knowledge.py` works out the answers, `server.py` speaks the protocol."""
