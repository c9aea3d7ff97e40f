"""Turn the model into pages and settings for MkDocs + Material for MkDocs.

kb writes ordinary Markdown pages (with the generated panels as escaped HTML)
and an effective ``mkdocs.yml`` into a build folder; MkDocs renders them.
No kb logic runs inside MkDocs, so the generated tree builds with plain
MkDocs and Material, and could move to another engine that reads mkdocs.yml.
"""
