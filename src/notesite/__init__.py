"""notesite: a static site generator for bilingual, math-heavy ML/RL notes."""

__version__ = "0.1.0"
