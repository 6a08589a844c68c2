"""One module per command group; :mod:`policywatch.cli` registers them."""
