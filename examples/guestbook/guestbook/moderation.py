"""The moderation rule the worker applies: an entry is flagged when its name or message
contains a banned word, else published. Pure.

BANNED_WORDS is a comma-separated list. Matching ignores case and only matches whole words
("spam" flags "Spam!" but not "spammer" or "aspamb"), so a short banned word does not flag
innocent text.
"""
import re


class BannedWords:
    def __init__(self, words):
        self.words = tuple(dict.fromkeys(w.strip().lower() for w in words if w.strip()))
        if self.words:
            alternatives = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
            # (?<!\w) and (?!\w) rather than \b: they also hold for words that start or end
            # with punctuation, where \b would need a word character on one side.
            self._rx = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        else:
            self._rx = None

    @classmethod
    def parse(cls, text: str) -> "BannedWords":
        return cls(text.split(","))

    def __len__(self) -> int:
        return len(self.words)

    def first_match(self, text: str):
        """The first banned word found in text (as configured, lower case), or None."""
        if self._rx is None:
            return None
        m = self._rx.search(text)
        return m.group(0).lower() if m else None
