"""Gallery's documented events. Other apps connect to them; gallery never imports those apps.

``artwork_scanned``
    Sent (after the commit) when an artwork settles: every image is scanned and the post is
    published, or waits for a moderator's approval. The same transaction set
    ``Artwork.handoff_pending``: a receiver that does durable work clears it through
    ``gallery.services.handoff`` (moderation's intake does), so a lost task is finished by a sweep.
    ``sender`` is ``Artwork``; keyword arguments: ``artwork_id`` (int), ``verdict`` (a
    ``Verdict`` value), ``mismatch`` (bool: the verdict contradicts the label) and ``evidence``
    (list of evidence dicts from ``gallery.provenance``).

``artwork_published``
    Sent (after the commit) when an artwork first becomes visible to everyone (not while it
    waits for approval). ``sender`` is ``Artwork``;
    keyword arguments: ``artwork_id`` (int).
"""

from django.dispatch import Signal

artwork_scanned = Signal()
artwork_published = Signal()
