"""The persona deck: deck.md and a self-contained, script-free index.html."""
