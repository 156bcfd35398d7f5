"""Output formats shared by the writers and the browser (no heavy imports)."""
