"""Deepfake risk from faces in the inputs: pure rules, no I/O.

Two ways a real person's face gets abused, and what the studio does about each:

1. A face in an input (an uploaded image, the clip a lip-sync re-voices) together with a sexual,
   defamatory or deceptive prompt. Screening handles it: it is told a face was seen (`has_face_input`)
   and its real-person rule blocks the combination under the `deepfake` category.
2. Re-animating a face in a way its owner may never have agreed to, however harmless the words: making
   the person in someone else's footage say things (lip-sync of a clip another member made), or putting
   two pictured people in an intimate pose (the hug/kiss/heart effects), or making the person in a
   portrait speak as a talking avatar. That is held for a moderator,
   unless the team has attested consent for the person (an audited `ConsentRecord`).
"""

from dataclasses import dataclass

ALLOW, REVIEW = "allow", "review"
# Where a held likeness case lands in the review queue: clearly flagged, below an outright block.
REANIMATION_SCORE = 0.6

OTHERS_FOOTAGE = "others_footage"
INTIMATE_EFFECT = "intimate_effect"
# An avatar makes whoever a portrait shows say words they never said: any face in it is re-animated.
TALKING_PORTRAIT = "talking_portrait"
# omni-video editing footage (refer_type base) with a pictured person put into it, or editing footage another
# member made: a real person's likeness is placed into or changed within a clip.
FOOTAGE_EDIT = "footage_edit"
# motion control makes whoever the character image shows perform motion someone else performed: a face in the
# character image is re-animated.
MOTION_TRANSFER = "motion_transfer"
# multi-image to image re-renders its subject images into a new picture (their scene, their style): a face among
# its images puts a real person somewhere they never were.
SUBJECT_RERENDER = "subject_rerender"


@dataclass(frozen=True)
class LikenessCheck:
    decision: str
    faces: int
    inputs_with_faces: tuple
    reanimation: str
    consent_id: str
    reason: str

    @property
    def categories(self) -> dict:
        return {"deepfake": REANIMATION_SCORE} if self.decision == REVIEW else {}

    def as_record(self) -> dict:
        return {
            "decision": self.decision,
            "faces": self.faces,
            "inputs_with_faces": list(self.inputs_with_faces),
            "reanimation": self.reanimation,
            "consent_id": self.consent_id,
            "reason": self.reason,
        }


def likeness_decision(*, face_counts: dict, reanimation: str, consent_id: str = "") -> LikenessCheck:
    """face_counts: {input name: faces found in it}. Review when a face is re-animated without consent."""
    with_faces = tuple(name for name, count in face_counts.items() if count)
    faces = sum(face_counts.values())
    if not with_faces or not reanimation:
        reason = "no face in the inputs" if not with_faces else "faces present; no re-animation of someone's likeness"
        return LikenessCheck(ALLOW, faces, with_faces, reanimation, consent_id, reason)
    if consent_id:
        return LikenessCheck(ALLOW, faces, with_faces, reanimation, consent_id, "the team attested consent for this person")
    what = {
        OTHERS_FOOTAGE: "makes the person in another member's footage say something",
        INTIMATE_EFFECT: "puts pictured people in an intimate pose",
        TALKING_PORTRAIT: "makes the person in the portrait speak",
        FOOTAGE_EDIT: "edits footage with a real person in it (a pictured person put into a clip, or another member's clip)",
        MOTION_TRANSFER: "makes the person in the character image move as the motion clip does",
        SUBJECT_RERENDER: "re-renders a pictured person into a new picture",
    }[reanimation]
    return LikenessCheck(REVIEW, faces, with_faces, reanimation, "", f"it {what} and no consent record was given")
