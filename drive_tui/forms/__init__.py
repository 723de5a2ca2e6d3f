"""The form engine: YAML form files → frozen pydantic specs; conditions; answer validation."""
