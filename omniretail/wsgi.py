import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
application = get_wsgi_application()
# Import the URL conf (every app's views and API routers, ~2 s) while the worker boots rather
# than on its first request: a freshly started server answers its first user at full speed.
get_resolver().url_patterns  # noqa: B018
