"""Log lines that user text cannot forge.

A message such as ``"Bad Request: %s"`` with a path or a title holding ``\\r\\n`` would print a
second line that looks like our own entry. ``EscapingFormatter`` writes control characters in
the message (and so in its interpolated arguments) as escapes; the traceback that follows an
exception is ours, stays multi-line and readable.
"""

from __future__ import annotations

import logging
import unicodedata

_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
_REFUSED = {"Cc", "Zl", "Zp"}  # as config.text: controls, and the Unicode line separators


def escape_controls(text: str) -> str:
    """``text`` with every control or line-separator character written as an escape."""
    if text.isprintable():  # the common case: nothing to do
        return text
    out = []
    for ch in text:
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif unicodedata.category(ch) in _REFUSED:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


class EscapingFormatter(logging.Formatter):
    """A ``logging.Formatter`` whose ``%(message)s`` is escaped (see ``escape_controls``)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        # format() has just set record.message from msg % args; exc_text and stack_info are
        # appended after this call, unescaped.
        original = record.message
        record.message = escape_controls(original)
        try:
            return super().formatMessage(record)
        finally:
            record.message = original


class ExpectedRefusalFilter(logging.Filter):
    """A 403 is an answer, not a fault: log its one line without the traceback.

    Django's ``log_response`` attaches the ``PermissionDenied`` traceback to its "Forbidden"
    warning; under ``make run`` that was a screenful for every refused click.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
