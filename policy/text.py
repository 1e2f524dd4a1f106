"""Whether a text says anything: a name, a complaint or a written record made only of blanks
or invisible characters (zero-width spaces, joiners, byte-order marks, filler characters) is
empty, as Art. 4(1)/(2) ask for a record that can be read."""

from __future__ import annotations

import unicodedata

# Characters that show as nothing but are neither whitespace nor format characters (Cf).
_FILLERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})


def is_blank(value: str | None) -> bool:
    """True when ``value`` has no visible character."""
    return not any(
        not char.isspace()
        and char not in _FILLERS
        and unicodedata.category(char) not in ("Cf", "Cc", "Zs", "Zl", "Zp")
        for char in value or ""
    )
