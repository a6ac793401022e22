"""Configuration: the Hydra schema, composition and validation."""
