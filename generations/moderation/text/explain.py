"""What a user is told about a screening decision: the category in plain words and how to rephrase.

Built from the category alone, never from the prompt, so the offending words are never echoed back."""

from generations.moderation.text.policy import ALLOW, BLOCK

# Chosen so that no word here is itself a screened term: naming the category never repeats the prompt.
CATEGORY_WORDS = {
    "sexual": "adult or intimate content",
    "sexual_minors": "content that sexualises minors",
    "violence": "graphic violence",
    "self_harm": "harming oneself",
    "deepfake": "a real person's likeness in intimate, humiliating or misleading footage",
    "illegal": "instructions for weapons or drugs, or extremist propaganda",
    "political": "real political figures or sensitive political topics",
    "injection": "an attempt to change or switch off the content rules",
}

SUGGESTIONS = {
    "sexual": "Keep people clothed and describe the mood, setting and lighting rather than bodies; for art, ask "
              "for a classical style with draped figures.",
    "sexual_minors": "Anything that sexualises minors is never generated. If children appear, keep the scene an "
                     "everyday one.",
    "violence": "Describe the action without injuries or anything graphic: keep a fight choreographed, or cut "
                "away before any impact.",
    "self_harm": "Leave out any way of hurting oneself; a scene about support, recovery or hope is fine.",
    "deepfake": "Use a fictional character instead of a real, identifiable person, and leave out anything "
                "intimate, humiliating or misleading.",
    "illegal": "Leave out how-to steps for weapons or drugs and any praise of extremists: show the story, not "
               "the recipe.",
    "political": "A moderator checks depictions of real political figures; a fictional leader or a general "
                 "setting avoids the wait.",
    "injection": "Describe only the video you want; instructions aimed at the moderation system are ignored.",
}


def user_message(decision, category, *, escalated=False, remote_unavailable=False):
    if decision == ALLOW:
        return ""
    if category is None and remote_unavailable:
        return "This prompt is held for a moderator because the safety check could not be completed right now."
    words = CATEGORY_WORDS.get(category, "content our policy does not allow")
    if decision == BLOCK:
        if category == "sexual_minors":
            return ("This prompt was blocked: it appears to sexualise minors. This is never allowed, and the "
                    "prompt has been referred to a moderator.")
        if escalated:
            return (f"This prompt was blocked because, together with your recent prompts, it moves toward {words}, "
                    f"which our content policy does not allow.")
        return f"This prompt was blocked because it asks for {words}, which our content policy does not allow."
    if escalated:
        return (f"This prompt is held for a moderator because, together with your recent prompts, it moves toward "
                f"{words}. You'll be notified when it has been reviewed.")
    return (f"This prompt is held for a moderator because it may involve {words}. You'll be notified when it "
            f"has been reviewed.")


def preview_message(decision, category, *, escalated=False):
    """The typing hint: what submitting this prompt would do, in the conditional, with its consequence.
    A block always costs a strike; a hold never does (only a moderator's rejection does)."""
    if decision == ALLOW:
        return ""
    words = CATEGORY_WORDS.get(category, "content our policy does not allow")
    if decision == BLOCK:
        if category == "sexual_minors":
            reason = "it appears to sexualise minors, which is never allowed"
        elif escalated:
            reason = f"together with your recent prompts, it moves toward {words}, which our content policy does not allow"
        else:
            reason = f"it asks for {words}, which our content policy does not allow"
        return f"This would be blocked: {reason}. Submitting it anyway adds a strike to your standing."
    reason = f"together with your recent prompts, it moves toward {words}" if escalated else f"it may involve {words}"
    return f"A moderator would look at this before it runs: {reason}. That adds no strike."


def suggestion(decision, category, *, remote_unavailable=False):
    if decision == ALLOW:
        return ""
    if category is None:
        return "No change is needed; a moderator will look at it shortly." if remote_unavailable else ""
    return SUGGESTIONS.get(category, "Rephrase the prompt without the part that breaks the content policy.")
