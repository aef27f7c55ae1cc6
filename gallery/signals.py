"""Gallery's documented events. Other apps connect to them; gallery never imports those apps.

``artwork_scanned``
    Sent (after the commit) when every image of an artwork has been scanned for provenance.
    ``sender`` is ``Artwork``; keyword arguments: ``artwork_id`` (int), ``verdict`` (a
    ``Verdict`` value), ``mismatch`` (bool: the verdict contradicts the label) and ``evidence``
    (list of evidence dicts from ``gallery.provenance``).

``artwork_published``
    Sent (after the commit) when an artwork first becomes visible. ``sender`` is ``Artwork``;
    keyword arguments: ``artwork_id`` (int). Moderation uses it for duplicate detection.
"""

from django.dispatch import Signal

artwork_scanned = Signal()
artwork_published = Signal()
