"""The article library: Markdown files with front matter, validated and rendered to sanitised HTML."""
