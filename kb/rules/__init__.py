"""The rule book (rules/ as validated data), the case it decides on, intake from text, and the engine."""
