"""Gallery's documented events. Other apps connect to them; gallery never imports those apps.

``artwork_scanned``
    Sent (after the commit) when an artwork settles: every image is scanned and the post is
    published (a draft: when its artist publishes it), or waits for a moderator's approval;
    and again when images added to a settled post are ready (``evidence`` then covers the new
    images; their ``ArtworkImage.intake_done`` is off until the intake checks them). The same
    transaction set ``Artwork.handoff_pending``: a receiver that does durable work clears it through
    ``gallery.services.handoff`` (moderation's intake does), so a lost task is finished by a sweep.
    ``sender`` is ``Artwork``; keyword arguments: ``artwork_id`` (int), ``verdict`` (a
    ``Verdict`` value), ``mismatch`` (bool: the verdict contradicts the label) and ``evidence``
    (list of evidence dicts from ``gallery.provenance``).

``artwork_published``
    Sent (after the commit) when an artwork first becomes visible to everyone (not while it
    waits for approval): at the end of an upload's processing, or when its artist publishes a
    draft (gallery.services.publication.artwork_go_live, the one path for both). ``sender`` is
    ``Artwork``; keyword arguments: ``artwork_id`` (int). An unlisted post
    (``Artwork.is_unlisted``) is sent too: a receiver that announces posts (followers'
    notifications) should leave it out, since its artist chose not to list it.
"""

from django.dispatch import Signal

artwork_scanned = Signal()
artwork_published = Signal()
