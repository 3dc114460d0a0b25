import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
application = get_wsgi_application()

# Prompt screening's lexicon, encoder and head load here, once per web process, rather than in the first
# request each process serves (about 1.5 s). A failure to load the encoder is logged and screening runs on
# the lexicon alone, so this never stops the server.
from generations.moderation.text.screening import warm_up  # noqa: E402 - needs the app registry set up above

warm_up()
