import pytest

from generations.moderation.visual import detectors as detectors_visual
from tests.scanning.clips import render_clip

FPS = 24
# Shots of the shared clip: blue, a cut to red at 2.0 s, a short green insert from 3.3 s to 3.45 s
# (between two uniform samples at 2 fps), back to blue, a cut to yellow at 4.6 s.
SCENES = ((0.0, (40, 90, 160)), (2.0, (200, 60, 60)), (3.3, (60, 200, 60)), (3.45, (40, 90, 160)), (4.6, (220, 200, 40)))
DURATION = 6.0


@pytest.fixture(scope="session")
def cut_clip(tmp_path_factory):
    """A 6 s, 24 fps clip with hard cuts at known times and the frame index drawn into every frame."""
    return render_clip(tmp_path_factory.mktemp("clips") / "cuts.mp4", duration=DURATION, fps=FPS, scenes=SCENES)


@pytest.fixture(scope="session")
def real_detectors():
    """The default stack, loaded and warmed once as a worker does: the real open_nsfw model."""
    return detectors_visual.warm_up()
