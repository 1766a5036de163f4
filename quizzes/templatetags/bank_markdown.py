"""`{{ text|markdown }}`: bank Markdown rendered to sanitized HTML."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

_ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sub",
    "sup",
    "hr",
}


@register.filter(name="markdown")
def render_markdown(text: str) -> str:
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "tables"])
    # Bank text is ours, but it is edited in the admin: sanitize anyway.
    return mark_safe(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={}))  # noqa: S308


_INLINE_TAGS = {"em", "strong", "code", "sub", "sup"}


@register.filter(name="markdown_inline")
def render_markdown_inline(text: str) -> str:
    """One line of bank Markdown (a prompt in a table cell, a choice): emphasis and code
    kept, blocks flattened to their text, so a table row stays one line."""
    html = markdown_lib.markdown(" ".join(str(text or "").split()), extensions=["fenced_code"])
    return mark_safe(nh3.clean(html, tags=_INLINE_TAGS, attributes={}).strip())  # noqa: S308
