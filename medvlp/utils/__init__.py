"""Small shared helpers with no medvlp dependencies above the core."""
