from django.shortcuts import render

from accounts.access import moderator_required


@moderator_required
def queue(request):
    return render(request, "moderation/queue.html", {})
