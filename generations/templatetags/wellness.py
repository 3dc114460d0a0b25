"""{% break_prompt %}: the moderator's break prompt once their graphic minutes today pass the soft limit."""

from django import template

from generations.actions import wellness

register = template.Library()


@register.inclusion_tag("moderation/_break_prompt.html", takes_context=True)
def break_prompt(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"over": False}
    minutes = wellness.minutes_today(user)
    limit = wellness.soft_limit_minutes()
    return {"over": minutes >= limit, "minutes": minutes, "limit": limit}
