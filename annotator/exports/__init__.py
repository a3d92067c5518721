"""Dataset export: one streaming engine, a small module per format."""
