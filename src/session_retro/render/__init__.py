"""Output stage: Markdown, HTML, charts and terminal tables."""
